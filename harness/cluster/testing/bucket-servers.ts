// Starts bucket-server.js child processes (servers of known capacity) for tests of drills on existing
// servers, and stops them by their pid, also when the test fails.
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export interface BucketServerSpec {
  port: number;
  /** Requests a second it answers at most. */
  rate: number;
  /** Tokens of the bucket (default rate / 20, at least 1); 0: a server that never answers but /healthz and /metrics. */
  burst?: number;
  /** CPU time each answer burns, ms. */
  cpuMs?: number;
}

export interface BucketServers {
  pids: number[];
  stop(): Promise<void>;
}

const script = path.join(__dirname, 'bucket-server.js');

function startOne(s: BucketServerSpec): Promise<ChildProcess> {
  const args = [
    script,
    String(s.port),
    String(s.rate),
    String(s.burst ?? Math.max(1, s.rate / 20)),
    String(s.cpuMs ?? 0),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) =>
      reject(new Error(`bucket server on port ${s.port} exited with ${code}: ${err.trim()}`)),
    );
  });
}

async function stopOne(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

export async function startBucketServers(specs: BucketServerSpec[]): Promise<BucketServers> {
  const started = await Promise.allSettled(specs.map(startOne));
  const children = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => {
    await Promise.all(children.map(stopOne));
  };
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { pids: children.map((c) => c.pid ?? -1), stop };
}
