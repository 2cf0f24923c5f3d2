// Validates a generated haproxy.cfg with HAProxy itself (`haproxy -c -f`) before anything starts:
// a refused configuration becomes a ConfigError carrying HAProxy's own alert lines and the lines they name.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClusterError, ConfigError, sourceDir } from '../common';

export const defaultHaproxyBinary = '/usr/sbin/haproxy';
/** What to do when HAProxy is missing: the script ships beside the sources, in a checkout and in the package. */
export const installHaproxyHint = `run \`bash ${path.join(sourceDir(__dirname), 'ensure-haproxy.sh')}\` (installs Debian's haproxy)`;

/** Resolves when HAProxy accepts `text`; `origin` is the file the edge comes from, for the error. */
export async function checkConfig(text: string, opts: { origin: string; binary?: string }): Promise<void> {
  const binary = opts.binary ?? defaultHaproxyBinary;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'headroom-edge-check-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  try {
    await writeFile(cfg, text);
    const result = await new Promise<{ code: number | null; output: string; missing: boolean }>((resolve) =>
      execFile(binary, ['-c', '-f', cfg], { encoding: 'utf8' }, (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number | string }).code as number) : 0,
          output: `${stdout}${stderr}`,
          missing: (err as { code?: string } | null)?.code === 'ENOENT',
        }),
      ),
    );
    if (result.missing) {
      throw new ClusterError(
        `edge: HAProxy is not installed (${binary} not found)`,
        undefined,
        undefined,
        installHaproxyHint,
      );
    }
    if (result.code === 0) return;
    const source = text.split('\n');
    const alerts = result.output
      .split('\n')
      .filter((l) => /\[(ALERT|WARNING)\]/.test(l))
      .map((l) => l.replaceAll(cfg, 'haproxy.cfg'))
      .map((l) => {
        const at = /parsing \[haproxy\.cfg:(\d+)\]/.exec(l);
        return at ? `${l}\n      line ${at[1]}: ${source[Number(at[1]) - 1]?.trim()}` : l;
      });
    throw new ConfigError(
      opts.origin,
      'edge',
      `HAProxy refused the generated configuration:\n  ${(alerts.length ? alerts : [result.output.trim()]).join('\n  ')}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
