// Which of a cluster's ports something else already listens on, found by trying to bind each
// (replicas use host networking, so their ports are this machine's ports), and, when /proc lets us
// see it, which process holds each one: a socket's inode in /proc/net/tcp{,6}, the process whose fd links to it.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export function portTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** A process that listens on a port, as /proc shows it. */
export interface PortHolder {
  pid: number;
  /** Its command line, arguments joined by spaces (cut to 200 characters). */
  command: string;
}

export interface TakenPort {
  host: string;
  port: number;
  /** Absent when /proc does not say (another user's process, no /proc, a socket in another network namespace). */
  holder?: PortHolder;
}

/** The `host:port` pairs among `endpoints` that are taken, each with the process holding it when it can be found. */
export async function takenPorts(
  endpoints: { host: string; port: number }[],
  procRoot = '/proc',
): Promise<TakenPort[]> {
  const taken: TakenPort[] = [];
  for (const e of endpoints) {
    if (!(await portTaken(e.host, e.port))) continue;
    const holder = portHolder(e.host, e.port, procRoot);
    taken.push(holder ? { ...e, holder } : { ...e });
  }
  return taken;
}

/** Words of `what holds it` for a message: `pid 123 (nginx: master process ...)`. */
export function describeHolder(h: PortHolder): string {
  return `pid ${h.pid} (${h.command || '?'})`;
}

const LISTEN = '0A';

/** A /proc/net/tcp address (`0100007F:1F90`, or 32 hex digits for IPv6), as an IP and a port. */
export function decodeProcAddress(hex: string): { ip: string; port: number } {
  const [addr, portHex] = hex.split(':');
  const port = parseInt(portHex, 16);
  // The kernel prints each 32-bit word in host (little-endian) byte order.
  const bytes: number[] = [];
  for (let w = 0; w < addr.length; w += 8) {
    const word = addr.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  if (bytes.length === 4) return { ip: bytes.join('.'), port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  const v6 = groups.join(':');
  // IPv4-mapped (::ffff:a.b.c.d): compare as the IPv4 address it is.
  if (/^0:0:0:0:0:ffff:/.test(v6)) return { ip: bytes.slice(12).join('.'), port };
  return { ip: net.isIPv6(v6) ? canonicalV6(v6) : v6, port };
}

function canonicalV6(ip: string): string {
  if (ip === '0:0:0:0:0:0:0:0') return '::';
  if (ip === '0:0:0:0:0:0:0:1') return '::1';
  return ip;
}

const wildcard = new Set(['0.0.0.0', '::']);

/** Inodes of the listening sockets in a /proc/net/tcp{,6} text that block binding `host:port`. */
export function listeningInodes(table: string, host: string, port: number): number[] {
  const out: number[] = [];
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== LISTEN) continue;
    const local = decodeProcAddress(f[1]);
    if (local.port !== port) continue;
    if (local.ip !== host && !wildcard.has(local.ip) && !wildcard.has(host)) continue;
    const inode = Number(f[9]);
    if (inode > 0) out.push(inode);
  }
  return out;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The process listening on `host:port`, or null when /proc does not tell (not ours to read, or no /proc). */
export function portHolder(host: string, port: number, procRoot = '/proc'): PortHolder | null {
  const inodes = new Set<number>();
  for (const table of ['tcp', 'tcp6'])
    for (const i of listeningInodes(readOr(path.join(procRoot, 'net', table)), host, port)) inodes.add(i);
  if (!inodes.size) return null;
  let pids: string[];
  try {
    pids = fs.readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(path.join(procRoot, pid, 'fd'));
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = fs.readlinkSync(path.join(procRoot, pid, 'fd', fd));
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m || !inodes.has(Number(m[1]))) continue;
      const command = readOr(path.join(procRoot, pid, 'cmdline'))
        .split('\0')
        .filter(Boolean)
        .join(' ')
        .slice(0, 200);
      return { pid: Number(pid), command };
    }
  }
  return null;
}
