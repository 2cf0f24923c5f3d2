// One run directory written and read back: the writer's files are what the reader expects, a torn
// last step line is skipped, and the run id is sortable and safe in a path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../common';
import { makeRunId, readRun, readSummary, RunWriter, type RunFacts, type StepRecord, type Summary } from './index';

test('run ids sort by time, are safe in a path, and are unique within a millisecond', () => {
  assert.equal(
    makeRunId('capacity-drill', new Date('2026-11-27T18:05:00.123Z'), 'ab12'),
    '2026-11-27T18-05-00.123Z-capacity-drill-ab12',
  );
  const hostile = makeRunId('<img src=x onerror=alert(1)>', new Date('2026-11-27T18:05:00Z'), 'ab12');
  assert.equal(hostile, '2026-11-27T18-05-00.000Z-img-src-x-onerror-alert-1-ab12');
  assert.equal(makeRunId('///', new Date('2026-11-27T18:05:00Z'), 'ab12'), '2026-11-27T18-05-00.000Z-scenario-ab12');
  const at = new Date('2026-11-27T18:05:00.123Z');
  const ids = new Set(Array.from({ length: 20 }, () => makeRunId('s', at)));
  assert.ok(ids.size >= 19, `${ids.size} distinct ids of 20 in one millisecond`);
  for (const id of ids) assert.match(id, /^2026-11-27T18-05-00\.123Z-s-[0-9a-f]{4}$/);
});

test('a writer opened on a run directory that has steps never truncates them', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-results-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const step = { runId: 'r1', drill: 'd', kind: 'hold', index: 0 } as unknown as StepRecord;
  new RunWriter(dir).appendStep(step);
  const again = new RunWriter(dir);
  again.appendStep({ ...step, index: 1 });
  assert.deepEqual(
    fs
      .readFileSync(again.stepsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).index),
    [0, 1],
  );
});

test('what the writer writes, the reader reads; a torn last line is skipped', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-results-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const w = new RunWriter(path.join(dir, 'run'));
  const facts = {
    runId: 'r1',
    scenario: { name: 's', file: 's.ts' },
    startedAt: '2026-11-27T18:05:00.000Z',
    endedAt: null,
  };
  w.writeRun(facts as unknown as RunFacts);
  const step = { runId: 'r1', drill: 'd', kind: 'hold', index: 0 } as unknown as StepRecord;
  w.appendStep(step);
  w.appendStep({ ...step, index: 1 });
  fs.appendFileSync(w.stepsFile, '{"runId":"r1","ind');
  const summary = {
    runId: 'r1',
    status: 'passed',
    cluster: { name: 'c', serverTypes: {}, dcs: [] },
  } as unknown as Summary;
  w.writeSummary(summary);
  assert.deepEqual(fs.readdirSync(w.dir).sort(), ['run.json', 'steps.ndjson', 'summary.json']);
  const run = await readRun(w.dir);
  assert.deepEqual(
    run.steps.map((s) => s.index),
    [0, 1],
  );
  assert.deepEqual(run.run, facts);
  assert.equal(run.summaryFile, path.join(w.dir, 'summary.json'));
  // Absent lists are filled so readers need not guard each one.
  const { redlines, sweeps, drains, failovers, thresholds } = run.summary;
  assert.deepEqual([redlines, sweeps, drains, failovers, thresholds], [[], [], [], [], {}]);
  assert.equal((await readSummary(path.join(w.dir, 'summary.json'))).summary.runId, 'r1');
  await assert.rejects(
    readSummary(path.join(dir, 'nope')),
    (err: unknown) => err instanceof ConfigError && /not found/.test(err.message),
  );
});
