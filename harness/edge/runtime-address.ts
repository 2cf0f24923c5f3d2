// Where HAProxy's runtime API listens: a unix socket or a TCP address, parsed from what a cluster
// file or a run folder says (`unix:///run/haproxy.sock`, `/run/haproxy.sock`, `tcp://127.0.0.1:9999`).
import { ConfigError } from '../common';

export type RuntimeAddress = { path: string } | { host: string; port: number };

export function parseRuntimeAddress(text: string, file = 'edge', field = 'runtime'): RuntimeAddress {
  if (text.startsWith('unix://')) return { path: text.slice('unix://'.length) };
  if (text.startsWith('/')) return { path: text };
  const m = /^(?:tcp:\/\/|ipv4@)([^:/]+):(\d+)$/.exec(text);
  if (m && Number(m[2]) > 0 && Number(m[2]) < 65536) return { host: m[1], port: Number(m[2]) };
  throw new ConfigError(
    file,
    field,
    `cannot read the runtime API address '${text}'`,
    'expected unix:///path/to/socket, /path/to/socket or tcp://host:port',
  );
}

/** `unix:///x` / `tcp://h:p` for files and messages; HAProxy's own spelling (`/x`, `ipv4@h:p`) for its config. */
export function formatRuntimeAddress(a: RuntimeAddress, style: 'url' | 'haproxy' = 'url'): string {
  if ('path' in a) return style === 'url' ? `unix://${a.path}` : a.path;
  return style === 'url' ? `tcp://${a.host}:${a.port}` : `ipv4@${a.host}:${a.port}`;
}
