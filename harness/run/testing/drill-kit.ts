// Drills for the run tests, each file on clusters of its own: a temporary folder where a test writes its cluster
// files (as JSON, which YAML reads) and scenarios (plain JS), drills run in-process or through the CLI, the run's
// files read back, and every cluster written brought down at the file's end, whatever happened.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { after } from 'node:test';
import { createDriver, type RunningCluster } from '../../cluster';
import { silentLogger } from '../../common';
import { loadClusterFile } from '../../config';
import type { ScenarioInput } from '../../drill';
import type { StepRecord, Summary } from '../../results';
import { runScenario, type DrillRunResult } from '../run';

export const root = path.resolve(__dirname, '..', '..', '..');
const headroomJs = path.join(root, 'harness', 'cli', 'headroom.js');

export function readSteps(dir: string): StepRecord[] {
  return fs
    .readFileSync(path.join(dir, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
}

export const readSummary = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as Summary;

/** Ids of the containers labelled with the cluster's name, running or not. */
export function containersLeft(clusterName: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=headroom.cluster=${clusterName}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

/**
 * Pauses a replica through the driver (the fault a test injects). The kernel's freezer may give up on a busy
 * machine ("unable to freeze"): tried again, a few times, since the injection is not what the test checks.
 */
export async function pauseReplica(cluster: RunningCluster, replica: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await cluster.pause(replica);
    } catch (err) {
      if (attempt >= 4 || !/unable to freeze/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A cluster file's content (see docs/cluster-file.md). */
export type ClusterInput = { name: string } & Record<string, unknown>;
/** A scenario without its cluster: the kit points it at the cluster written beside it. */
export type ScenarioBody = Omit<ScenarioInput, 'cluster'>;

export interface InProcessRun {
  result: DrillRunResult;
  summary: Summary;
  steps: StepRecord[];
  out: string;
  log: string;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  log: string;
}

export function drillKit(prefix: string) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `headroom-${prefix}-`));
  const clusterFiles: string[] = [];
  after(async () => {
    try {
      for (const file of clusterFiles) await createDriver(await loadClusterFile(file)).down();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  /** Writes `cluster` and `scenario` into a folder `dir` of their own; returns the scenario file. */
  function write(dir: string, cluster: ClusterInput, scenario: ScenarioBody): string {
    const at = path.join(tmp, dir);
    fs.mkdirSync(at, { recursive: true });
    const clusterFile = path.join(at, 'cluster.yaml');
    fs.writeFileSync(clusterFile, JSON.stringify(cluster, null, 2));
    clusterFiles.push(clusterFile);
    const scenarioFile = path.join(at, 'scenario.js');
    const body: ScenarioInput = { ...scenario, cluster: './cluster.yaml' };
    fs.writeFileSync(scenarioFile, `exports.default = ${JSON.stringify(body, null, 2)};\n`);
    return scenarioFile;
  }

  /** Runs the scenario in this process; `onLog` sees the plain log lines as they come. */
  async function drill(
    scenarioFile: string,
    name: string,
    opts: { onClusterUp?: (c: RunningCluster) => Promise<void> | void; onLog?: (log: string) => void } = {},
  ): Promise<InProcessRun> {
    const out = path.join(tmp, 'runs', name);
    const stderr = new PassThrough();
    let log = '';
    stderr.on('data', (d) => {
      log += d;
      opts.onLog?.(log);
    });
    const result = await runScenario({
      scenarioFile,
      outDir: out,
      cwd: root,
      stdout: new PassThrough(),
      stderr,
      logger: silentLogger,
      tty: false,
      onClusterUp: opts.onClusterUp,
    });
    return { result, summary: readSummary(out), steps: readSteps(out), out, log };
  }

  /** Runs `headroom drill` on the scenario in a process of its own; `onLog` sees its output as it comes. */
  function cli(
    scenarioFile: string,
    name: string,
    opts: { args?: string[]; onLog?: (log: string, child: ChildProcess) => void } = {},
  ): Promise<CliRun> {
    const out = path.join(tmp, 'runs', name);
    const child = spawn(process.execPath, [headroomJs, 'drill', scenarioFile, '--out', out, ...(opts.args ?? [])], {
      cwd: root,
      env: { ...process.env, HEADROOM_LIVE: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const seen = (d: Buffer) => {
      log += d;
      opts.onLog?.(log, child);
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out, log })));
  }

  return { tmp, write, drill, cli };
}
