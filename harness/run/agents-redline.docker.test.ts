// WORK IN PROGRESS (make test-wip, not make test): this check has not passed yet; see the closing note.
// Drills driven by generator agents against a real Docker cluster (fixtures/agent-drill.yaml: one small
// replica on ports 18100-18199): the redline search in-process and with 2 local agents, the merged counts
// equal to what the replica itself counted; an agent killed (SIGKILL) mid-step is survived and recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drill } from './testing/agent-drill';

test('the redline with 2 local agents: found, with merged counts equal to what the replica counted', async () => {
  const inProcess = await drill('in-process', 'redline', undefined, undefined, 'agent-redline.yaml');
  assert.equal(inProcess.result.exitCode, 0, inProcess.log);
  const agents = await drill('agents', 'redline', { local: 2, spawn: { ports: [26010, 26011] } }, undefined, 'agent-redline.yaml');
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
