// Test kit of the drills on an HAProxy headroom did not start (fixtures/edge/owned-drain.js): two loopback
// servers and a host HAProxy in front of them at weights 1:3 (ports base..base+19, as in the fixture's
// cluster file), and `headroom drill` as a real process (the compiled CLI when it is fresh).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { type EdgeSpec, haproxyConfig, type RuntimeAddress, type RuntimeClient } from '../../edge';
import type { StepRecord } from '../../results';

const projectRoot = path.join(__dirname, '..', '..', '..');
const headroomJs = path.join(projectRoot, 'harness', 'cli', 'headroom.js');

/** A host HAProxy as edge/testing/backends.ts starts it (passed in by the test: a helper enters edge/ by its index). */
export interface HostHaproxy {
  client: RuntimeClient;
  pid: number;
  reload(): Promise<void>;
  stop(): Promise<void>;
}
export type StartHaproxy = (cfg: string, runtime: RuntimeAddress) => Promise<HostHaproxy>;

export const ownedScenario = path.join(__dirname, '..', 'fixtures', 'edge', 'owned-drain.js');

export const edgeRefs = [
  { backend: 'be_live', server: 'use1-a' },
  { backend: 'be_live', server: 'euw1-a' },
];

export function edgeSpecAt(base: number): EdgeSpec {
  return {
    file: 'ed-edge-existing',
    runtime: { host: '127.0.0.1', port: base + 10 },
    threads: 1,
    frontends: [
      {
        name: 'live',
        host: '127.0.0.1',
        port: base,
        servers: [
          { ...edgeRefs[0], dc: 'use1', serverType: 'small', address: '127.0.0.1', port: base + 1 },
          { ...edgeRefs[1], dc: 'euw1', serverType: 'small', address: '127.0.0.1', port: base + 2 },
        ],
      },
    ],
  };
}

export interface ExistingEdge {
  base: number;
  runtimeUrl: string;
  hap: HostHaproxy;
  /** The configured weights (1:3), which every drill must leave behind. */
  configured: number[];
  weightsNow(): Promise<number[]>;
  /** The weights have left the configured ones (the warm-up's demand took effect); false when HAProxy is gone. */
  moved(): Promise<boolean>;
  /**
   * The drill's generator has sent more /feed requests than its warm-up can (owned-drain.js: 1 req/s for 3 s,
   * 20 req/s in the steps): its drain's first step has begun.
   */
  draining(): boolean;
  /** Starts HAProxy again from the same configuration (its weights the configured ones, its variables gone). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Requests the warm-up of fixtures/edge/owned-drain.js sends at most (1 req/s for 3 s, and one at its start). */
const warmUpRequests = 4;

/** Two servers answering their DC's name, and HAProxy in front at weights 1:3. */
export async function existingEdge(base: number, hostHaproxy: StartHaproxy): Promise<ExistingEdge> {
  let feeds = 0;
  const servers = ['use1', 'euw1'].map((dc) =>
    http.createServer((req, res) => {
      if (req.url?.startsWith('/feed')) feeds++;
      req.resume();
      res.end(dc);
    }),
  );
  await Promise.all(
    servers.map((s, i) => new Promise<void>((resolve) => s.listen(base + 1 + i, '127.0.0.1', () => resolve()))),
  );
  const spec = edgeSpecAt(base);
  const cfg = haproxyConfig(spec, { dcs: { use1: 1, euw1: 3 } });
  const edge: ExistingEdge = {
    base,
    runtimeUrl: `tcp://127.0.0.1:${base + 10}`,
    hap: await hostHaproxy(cfg, spec.runtime),
    configured: [],
    weightsNow: async () => (await edge.hap.client.getWeights(edgeRefs)).map((w) => w.weight),
    moved: () =>
      edge.weightsNow().then(
        (w) => w.some((x, i) => x !== edge.configured[i]),
        () => false,
      ),
    draining: () => feeds > 2 * warmUpRequests,
    async restart() {
      await edge.hap.stop();
      edge.hap = await hostHaproxy(cfg, spec.runtime);
    },
    async stop() {
      await edge.hap.stop();
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
  edge.configured = await edge.weightsNow();
  return edge;
}

export interface DrillChild {
  child: ChildProcessWithoutNullStreams;
  out: string;
  log(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL unless it has ended. */
  kill(): void;
}

/** `headroom drill owned-drain.js --out <out> ...extra` with the cluster file `cluster` (fixtures/edge). */
export function drillChild(
  cluster: string,
  out: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): DrillChild {
  return drillScenario(ownedScenario, out, extra, { EDGE_CLUSTER: `./${cluster}`, ...env });
}

/** `headroom drill <scenario> --out <out> ...extra` as a real process. */
export function drillScenario(
  scenario: string,
  out: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): DrillChild {
  const child = spawn(process.execPath, [headroomJs, 'drill', scenario, '--out', out, ...extra], {
    cwd: projectRoot,
    env: { ...process.env, HEADROOM_LIVE: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    out,
    log: () => log,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Runs `headroom ...args` to its end; resolves with its exit code and everything it wrote. */
export async function headroomRun(args: string[]): Promise<{ code: number | null; log: string }> {
  const child = spawn(process.execPath, [headroomJs, ...args], {
    cwd: projectRoot,
    env: { ...process.env, HEADROOM_LIVE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, log };
}

/** Polls until `ok` holds (every 100 ms, at most `ms`); false when it never did. */
export async function until(ok: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await ok()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export function readStepsOf(out: string): StepRecord[] {
  const file = path.join(out, 'steps.ndjson');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
}

export const tempOut = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `ed-${name}-`));
