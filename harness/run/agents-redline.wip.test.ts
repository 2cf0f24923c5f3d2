// WORK IN PROGRESS (make test-wip, not make test): this check has not passed yet; see the closing note.
// Drills driven by generator agents against a real Docker cluster (fixtures/agent-drill.yaml: one small
// replica on ports 18100-18199): the redline search in-process and with 2 local agents, the merged counts
// equal to what the replica itself counted; an agent killed (SIGKILL) mid-step is survived and recorded.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createDriver } from '../cluster';
import { loadClusterFile } from '../config';
import { spawnLocalAgents, type AgentSource, type LocalAgent } from '../agent';
import { runScenario } from './index';
import type { RunningCluster } from '../cluster';
import type { StepRecord, Summary } from '../results';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(__dirname, 'fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-drill-'));

after(async () => {
  await createDriver(await loadClusterFile(path.join(fixtures, 'agent-drill.yaml'))).down();
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

async function drill(
  name: string,
  drillKind: 'redline' | 'hold',
  agents?: AgentSource,
  onUp?: (c: RunningCluster) => Promise<void>,
) {
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
      scenarioFile: path.join(fixtures, 'agent-drill.ts'),
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
    await createDriver(await loadClusterFile(path.join(fixtures, 'agent-drill.yaml'))).down();
  }
}

test('the redline with 2 local agents: found, with merged counts equal to what the replica counted', async () => {
  const inProcess = await drill('in-process', 'redline');
  assert.equal(inProcess.result.exitCode, 0, inProcess.log);
  const agents = await drill('agents', 'redline', { local: 2, spawn: { ports: [18010, 18011] } });
  assert.equal(agents.result.exitCode, 0, agents.log);
  assert.match(agents.log, /load from 2 generator agents/);
  const a = inProcess.summary.redlines[0].rpsPerReplica;
  const b = agents.summary.redlines[0].rpsPerReplica;
  assert.ok(b !== null && b > 0, JSON.stringify(agents.summary.redlines));
  // Exact merge: every request the replica answered is in the drill's merged counts, none twice.
  assert.ok(agents.merged > 0);
  assert.equal(agents.merged, agents.served, agents.log);
  assert.equal(inProcess.merged, inProcess.served, inProcess.log);
  // On a shared 2-core machine the redline moves with the neighbours' load: reported, not asserted.
  process.stderr.write(
    `# redline in-process ${a} req/s, with 2 agents ${b} req/s (${a ? (((b - a) / a) * 100).toFixed(1) : '-'}%); ` +
      `requests merged ${agents.merged} = counted by the replica ${agents.served}\n`,
  );
});
