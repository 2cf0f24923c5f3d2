// A service shape (clusters/shapes/) drilled as a user of the installed package drills their own service:
// the build context prepared from Debian packages, a scenario written outside this checkout that imports
// `defineScenario` from 'headroom', `headroom drill` from the packed and installed CLI. The drill is short (a
// coarse redline, to a bracket of 1.5x, and a two-step drain): the test checks what a user sees,
// not figures.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Summary } from '../../results';
import { type CliRun, installedCli } from '../../testing/installed-cli';

const root = path.resolve(__dirname, '..', '..', '..');
const shapesDir = path.join(root, 'clusters', 'shapes');
const run = promisify(execFile);

export interface ShapeDrill {
  /** clusters/shapes/<shape>.yaml; its build context is prepared by prepare.sh <context>. */
  shape: string;
  context: string;
  endpoint: string;
  /** Per replica: where each search starts and the most it may try. */
  startRps: number;
  maxRps: number;
  /** The drain's total rate toward the east region (its baseline too). */
  drainRps: number;
  /** The drain's steps; 0: no drain (a test of the search alone). Default 2. */
  drainSteps?: number;
  p99Ms: number;
  timeout?: string;
  minRequests?: number;
  /**
   * The server types searched (default the quarter-CPU one: a test checks that a shape gets a redline, a drain
   * and nothing left; both types and their ratio are make shapes' figures).
   */
  serverTypes?: readonly string[];
  /** The drill's time limit (SIGKILL), ms; default 150 s. */
  limitMs?: number;
}

export interface ShapeRun {
  cli: CliRun;
  summary: Summary | null;
  /** Containers of the shape's cluster left after the drill (ids). */
  left: string[];
  /** How long `headroom drill` took, s. */
  seconds: number;
}

/** The scenario a user would write for a first look, TypeScript importing from the installed package. */
function scenarioText(d: ShapeDrill): string {
  return `import { defineScenario } from 'headroom';

export default defineScenario({
  name: 'test-${d.shape}',
  cluster: ${JSON.stringify(path.join(shapesDir, `${d.shape}.yaml`))},
  mix: { endpoints: [{ name: 'work', weight: 1, protocol: 'http', path: ${JSON.stringify(d.endpoint)} }] },
  baselineRps: ${d.drainRps},
  ${d.timeout ? `timeout: '${d.timeout}',` : ''}
  guards: {
    http_req_duration: [{ threshold: 'p(99)<${d.p99Ms}', window: '2s' }],
    http_req_failed: ['rate<0.05'],
    cpu_share: ['avg<0.8'],
  },
  // A collapse above capacity is what a search looks for: no safety stop in a test on a busy machine.
  safety: { maxErrorRate: 1, maxTotalRps: 100000 },
  settle: '1s',
  measure: '2s',
  minRequests: ${d.minRequests ?? 10},
  maxMeasure: '10s',
  drills: [
    { kind: 'redline', name: 'redline', serverTypes: ${JSON.stringify(d.serverTypes ?? ['quarter'])}, startRps: ${d.startRps}, maxRps: ${d.maxRps}, rampFactor: 2, resolution: 0.5, budget: '0s' },
${(d.drainSteps ?? 2) > 0 ? `    { kind: 'drain', name: 'drain-east', target: { region: 'east' }, totalRps: ${d.drainRps}, steps: ${d.drainSteps ?? 2} },\n` : ''}  ],
});
`;
}

export async function drillShape(d: ShapeDrill): Promise<ShapeRun> {
  await run('bash', [path.join(shapesDir, 'prepare.sh'), d.context], { maxBuffer: 1 << 24 });
  const cli = await installedCli();
  const work = mkdtempSync(path.join(tmpdir(), `shape-${d.shape}-`));
  try {
    mkdirSync(path.join(work, 'node_modules'));
    symlinkSync(cli.packageDir, path.join(work, 'node_modules', 'headroom'), 'dir');
    writeFileSync(path.join(work, 'drill.ts'), scenarioText(d));
    const started = Date.now();
    const out = await cli.run(['drill', 'drill.ts', '--out', 'run'], {
      cwd: work,
      env: { HEADROOM_LIVE: '0' },
      timeoutMs: d.limitMs ?? 150_000,
    });
    const seconds = (Date.now() - started) / 1000;
    let summary: Summary | null = null;
    try {
      summary = JSON.parse(readFileSync(path.join(work, 'run', 'summary.json'), 'utf8')) as Summary;
    } catch {
      summary = null;
    }
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=headroom.cluster=${clusterName(d.shape)}`]);
    return { cli: out, summary, left: stdout.split('\n').filter(Boolean), seconds };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The cluster's name in its file (shape-<shape>). */
function clusterName(shape: string): string {
  const text = readFileSync(path.join(shapesDir, `${shape}.yaml`), 'utf8');
  return /^name:\s*(\S+)/m.exec(text)![1];
}

/** Everything the drill printed, both streams. */
export const printed = (r: ShapeRun): string => r.cli.stdout + r.cli.stderr;

/** The drill's log lines worth showing when an assertion fails. */
export function tail(r: ShapeRun): string {
  return `exit ${r.cli.code} after ${r.seconds.toFixed(0)} s\n${(r.cli.stdout + r.cli.stderr).split('\n').slice(-40).join('\n')}`;
}
