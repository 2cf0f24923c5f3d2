// Local agents (`--agents N`): child processes of this one on loopback ports, each an agent server.
// They exit when this process's end of their stdin closes, so a crashed controller leaves none behind.
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { ClusterError } from '../common';

export interface LocalAgent {
  address: string;
  pid: number;
  /** Stops the process (SIGTERM, then SIGKILL after `graceMs`). Safe twice. */
  kill(graceMs?: number): Promise<void>;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

export interface SpawnOptions {
  /** Loopback host to listen on (default 127.0.0.1). */
  host?: string;
  /** One port per agent; default: free ports chosen by the system. */
  ports?: number[];
  /** Capacity each declares (requests per second; 0 = unknown). */
  capacity?: number;
  /** How long to wait for each to listen (default 60 s: ts-node compiles on a busy machine). */
  readyTimeoutMs?: number;
}

// From compiled JavaScript (dist/) the agent is the compiled CLI's `agent` command; from the TypeScript
// sources, process.js registers ts-node first, unless this process was started with a TypeScript loader of
// its own (`--require`, as the tests' swc loader): the agents then load their sources the same way.
const compiled = __filename.endsWith('.js');
const entry = compiled
  ? [path.join(__dirname, '..', 'cli', 'bin.js'), 'agent']
  : [...requiredLoaders(process.execArgv), path.join(__dirname, 'process.js')];

/** The `--require` flags among node's own arguments, which a child running the sources needs too. */
function requiredLoaders(execArgv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    if ((a === '--require' || a === '-r') && i + 1 < execArgv.length) out.push(a, execArgv[++i]);
    else if (a.startsWith('--require=')) out.push(a);
  }
  return out;
}

export async function spawnLocalAgents(n: number, opts: SpawnOptions = {}): Promise<LocalAgent[]> {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`--agents: expected an integer >= 1, got ${n}`);
  if (opts.ports && opts.ports.length !== n) throw new RangeError(`expected ${n} ports, got ${opts.ports.length}`);
  const started = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => spawnOne(opts.host ?? '127.0.0.1', opts.ports?.[i] ?? 0, opts)),
  );
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((a) => a.kill()));
    throw failed.reason;
  }
  return ok;
}

function spawnOne(host: string, port: number, opts: SpawnOptions): Promise<LocalAgent> {
  const capacity = opts.capacity ? ['--capacity', String(opts.capacity)] : [];
  const args = [...entry, '--listen', `${host}:${port}`, '--exit-with-stdin', ...capacity];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let killing: Promise<void> | null = null;
  const kill = (graceMs = 3000) =>
    (killing ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    })());
  return new Promise<LocalAgent>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => fail(`did not listen within ${(opts.readyTimeoutMs ?? 60_000) / 1000} s`),
      opts.readyTimeoutMs ?? 60_000,
    );
    const fail = (why: string) => {
      clearTimeout(timer);
      void kill(0).then(() =>
        reject(
          new ClusterError(
            `local agent on ${host}:${port}: ${why}`,
            `agent ${host}:${port}`,
            stderr.trim() || undefined,
          ),
        ),
      );
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`exited (${signal ?? `code ${code}`}) before listening`);
    child.once('exit', onExit);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"listening"'));
      if (!line) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const { listening } = JSON.parse(line) as { listening: string };
      resolve({ address: listening, pid: child.pid!, kill, exited });
    });
  });
}
