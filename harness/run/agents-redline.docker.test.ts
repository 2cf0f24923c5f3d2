// The redline found with 2 local generator agents equals the in-process engine's (real Docker: one small
// replica each, fixtures/agent-redline.yaml on ports 26100-26199 for the in-process search and
// agent-redline-pair.yaml on 26300-26399 for the agents on 26010-26011, both searches at the same time):
// one within the other's interval (or 5% apart), and every request the replica answered is merged exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedlineResult } from '../results';
import { drill } from './testing/agent-drill';

const shown = (r: RedlineResult) => `${r.rpsPerReplica} [${r.interval?.join(', ')}] (${r.estimateMethod}: ${r.note})`;

test('the redline with 2 local agents: the in-process one within the interval or 5%, merged counts exact', async () => {
  // Side by side, each on its own replica: the machine's drift (CPU per request moves by 5-8% over minutes)
  // meets both searches alike instead of deciding the comparison.
  const [inProcess, agents] = await Promise.all([
    drill('in-process', 'redline', undefined, undefined, 'agent-redline'),
    drill('agents', 'redline', { local: 2, spawn: { ports: [26010, 26011] } }, undefined, 'agent-redline-pair'),
  ]);
  assert.equal(inProcess.result.exitCode, 0, inProcess.log);
  assert.equal(agents.result.exitCode, 0, agents.log);
  assert.match(agents.log, /load from 2 generator agents/);
  const a = inProcess.summary.redlines[0];
  const b = agents.summary.redlines[0];
  const logs = `in-process:\n${inProcess.log}\nagents:\n${agents.log}`;
  assert.equal(a.status, 'redline', `${JSON.stringify(a)}\n${logs}`);
  assert.equal(b.status, 'redline', `${JSON.stringify(b)}\n${logs}`);
  const x = a.rpsPerReplica!;
  const y = b.rpsPerReplica!;
  const within = (v: number, r: RedlineResult) =>
    r.interval !== null && r.interval !== undefined && v >= r.interval[0] && v <= r.interval[1];
  const off = Math.abs(y / x - 1);
  // The same redline: each within the other's interval, or 5% apart.
  assert.ok(
    within(y, a) || within(x, b) || off <= 0.05,
    `in-process ${shown(a)}, agents ${shown(b)}: ${(off * 100).toFixed(1)}% apart, outside the interval\n${logs}`,
  );
  // Exact merge: every request the replica answered is in the drill's merged counts, none twice.
  assert.ok(agents.merged > 0);
  assert.equal(agents.merged, agents.served, agents.log);
  assert.equal(inProcess.merged, inProcess.served, inProcess.log);
  // Every step's window was complete: no agent fell behind its reports.
  for (const s of agents.steps)
    assert.ok(!s.annotations.some((n) => n.includes('had reported only up to')), s.annotations.join('\n'));
  process.stderr.write(
    `# redline in-process ${shown(a)}; with 2 agents ${shown(b)} (${(off * 100).toFixed(1)}% apart); ` +
      `requests merged ${agents.merged} = counted by the replica ${agents.served}\n`,
  );
});
