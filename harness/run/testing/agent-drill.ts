// Drills with the agent-drill fixture (one small replica) for the agents tests: in-process or from agents,
// the replica's own request count and the merged count from the run's k6 JSON points.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { PassThrough } from 'node:stream';
import type { AgentSource } from '../../agent';
import { createDriver, type RunningCluster } from '../../cluster';
import { loadClusterFile } from '../../config';
import type { StepRecord, Summary } from '../../results';
import { runScenario } from '../run';
const root = path.resolve(__dirname, '..', '..', '..');
const fixtures = path.join(__dirname, '..', 'fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-drill-'));
/** Cluster files used by this test file's drills, brought down at its end whatever happened. */
const used = new Set<string>();
const down = async (clusterFile: string) =>
  createDriver(await loadClusterFile(path.join(fixtures, clusterFile))).down();

after(async () => {
  for (const c of used) await down(c);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Requests the replica answered on /feed (every status code), from its own Prometheus counters. */
async function feedCount(http: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^headroom_requests_total\{endpoint="feed",code="[^"]*"\} (\d+)$/gm)) n += Number(m[1]);
  return n;
}

/** Requests that ended (answered or failed; dropped arrivals never left) in the run's k6 JSON points. */
function mergedCount(file: string): number {
  let n = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const p = JSON.parse(line) as { type: string; metric: string; data?: { value: number } };
    if (p.type === 'Point' && p.metric === 'http_reqs') n += p.data!.value;
  }
  return n;
}

export async function drill(
  name: string,
  drillKind: 'redline' | 'hold',
  agents?: AgentSource,
  onUp?: (c: RunningCluster) => Promise<void>,
  /** A scenario of fixtures/ (NAME.ts on the cluster NAME.yaml: its own name and ports, so tests run side by side). */
  fixture = 'agent-drill',
) {
  const clusterFile = `${fixture}.yaml`;
  used.add(clusterFile);
  const out = path.join(tmp, name);
  const points = path.join(tmp, `${name}.ndjson`);
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (d) => (log += d));
  const note = (m: string) => (log += `${m}\n`);
  const logger = { info: note, warn: note, debug() {} };
  let served = -1;
  let cluster: RunningCluster | null = null;
  const before = process.env.AGENT_DRILL;
  process.env.AGENT_DRILL = drillKind;
  try {
    const result = await runScenario({
      scenarioFile: path.join(fixtures, `${fixture}.ts`),
      outDir: out,
      cwd: root,
      stdout: new PassThrough(),
      stderr,
      logger,
      tty: false,
      agents,
      keep: true,
      outputs: [{ kind: 'json', file: points }],
      onClusterUp: async (c) => {
        cluster = c;
        await onUp?.(c);
      },
    });
    // Kept up (keep: true) so the replica's own counters can be read after the load has stopped.
    if (cluster) served = await feedCount((cluster as RunningCluster).replicas[0].http);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
    const steps = fs
      .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as StepRecord);
    return { result, summary, steps, log, served, merged: mergedCount(points) };
  } finally {
    if (before === undefined) delete process.env.AGENT_DRILL;
    else process.env.AGENT_DRILL = before;
    await down(clusterFile);
  }
}
