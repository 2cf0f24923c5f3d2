// Test helpers: tiny HTTP servers on loopback that count the requests they answer, a client that
// sends N requests through an edge, and HAProxy run from the host binary with a generated config.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { defaultHaproxyBinary } from '../check';
import { RuntimeClient } from '../runtime';
import type { RuntimeAddress } from '../runtime-address';

export interface CountingServers {
  counts(): number[];
  reset(): void;
  close(): Promise<void>;
}

/** One server per port; `status` answers every request with that code (e.g. 500). */
export async function countingServers(
  ports: number[],
  opts: { status?: (i: number) => number } = {},
): Promise<CountingServers> {
  const counts = ports.map(() => 0);
  const servers: http.Server[] = [];
  try {
    for (const [i, port] of ports.entries()) {
      const s = http.createServer((req, res) => {
        counts[i]++;
        req.resume();
        res.writeHead(opts.status?.(i) ?? 200, { 'content-type': 'text/plain' }).end(`server ${i}\n`);
      });
      servers.push(s);
      await new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw err;
  }
  return {
    counts: () => [...counts],
    reset: () => counts.fill(0),
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/** Sends `n` GETs to `url`, `parallel` at a time over keep-alive connections; returns the status codes seen. */
export async function sendRequests(url: string, n: number, parallel = 4): Promise<Record<number, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
  const statuses: Record<number, number> = {};
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          res.resume();
          res.on('end', () => {
            statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
            resolve();
          });
        })
        .on('error', reject);
    });
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        next++;
        await one();
      }
    }),
  );
  agent.destroy();
  return statuses;
}

export interface HostHaproxy {
  client: RuntimeClient;
  /** The process running now (a reload replaces it). */
  pid: number;
  /** A reload as operators do it: a new process from the same file takes over (`-sf <old pid>`); the old one ends. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** HAProxy from the host binary in the foreground (`-db`) with this config; stopped with SIGTERM (SIGKILL after 3 s). */
export async function hostHaproxy(cfg: string, runtime: RuntimeAddress): Promise<HostHaproxy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'headroom-edge-test-'));
  const file = path.join(dir, 'haproxy.cfg');
  await writeFile(file, cfg);
  let stderr = '';
  const start = (extra: string[]) => {
    const child: ChildProcess = spawn(defaultHaproxyBinary, ['-db', '-f', file, ...extra], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, exited };
  };
  const end = async (p: ReturnType<typeof start>) => {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      const t = setTimeout(() => p.child.kill('SIGKILL'), 3000);
      await p.exited;
      clearTimeout(t);
    }
  };
  let current = start([]);
  const client = new RuntimeClient(runtime, { timeoutMs: 1000 });
  const answers = async (p: ReturnType<typeof start>) => {
    for (let i = 0; ; i++) {
      try {
        const info = await client.command('show info');
        if (new RegExp(`^Pid: ${p.child.pid}$`, 'm').test(info)) return;
        throw new Error(`another process answers: ${/^Pid: .*$/m.exec(info)?.[0]}`);
      } catch (err) {
        if (i > 100 || p.child.exitCode !== null)
          throw new Error(`haproxy did not start: ${(err as Error).message}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const h: HostHaproxy = {
    client,
    pid: current.child.pid!,
    async reload() {
      const old = current;
      current = start(['-sf', String(old.child.pid)]);
      h.pid = current.child.pid!;
      await answers(current);
      await old.exited;
    },
    async stop() {
      await end(current);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await answers(current);
  } catch (err) {
    await h.stop();
    throw err;
  }
  return h;
}
