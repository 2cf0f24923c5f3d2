// `docker kill` of a target replica during a redline probe, against real Docker: the
// replica is marked out, the faulted probe never bounds the search (its errors are not "limited by
// http_req_failed"), and once the replica is started again it is marked back in and the probe repeated.
// Its own pool (fixtures/kill-probe-pool.yaml, ports 27200-27299).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { silentLogger } from '../common';
import { createDriver } from '../cluster';
import { loadClusterFile } from '../config';
import { runScenario } from './index';
import type { StepRecord } from '../results';
import { docker } from '../cluster/testing/test-kit';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(__dirname, 'fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'f11-kill-probe-'));

after(async () => {
  await createDriver(await loadClusterFile(path.join(fixtures, 'kill-probe-pool.yaml'))).down();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a replica killed mid-search (docker kill), started again: marked out, back in, the probe repeated, never the bound', async () => {
  const out = path.join(tmp, 'killed');
  const victim = 'f11-kill-pool-dc1-small-2';
  let killedAt: string | undefined;
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (d) => {
    log += d;
    // Killed as the second probe starts (after the warm-up and the first probe), from outside headroom as an
    // SRE would; started again 4 s later.
    if (!killedAt && (log.match(/\[redline #\d+\]/g) ?? []).length >= 2) {
      killedAt = 'pending';
      void docker(['kill', victim]).then(async () => {
        killedAt = new Date().toISOString();
        await new Promise((r) => setTimeout(r, 4000));
        await docker(['start', victim]);
      });
    }
  });
  const result = await runScenario({
    scenarioFile: path.join(fixtures, 'kill-probe-redline.ts'),
    outDir: out,
    cwd: root,
    stdout: new PassThrough(),
    stderr,
    logger: silentLogger,
    tty: false,
  });
  assert.ok(killedAt && killedAt !== 'pending', log);
  const steps = fs
    .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
  const notes = steps.flatMap((s) => s.annotations);
  assert.ok(
    notes.some((n) => n.startsWith(`replica ${victim} marked out`)),
    notes.join('\n'),
  );
  assert.ok(
    notes.some((n) => n.startsWith(`replica ${victim} marked in`)),
    notes.join('\n'),
  );
  assert.ok(
    notes.some((n) => /faulted .*repeated once the pool is whole/.test(n)),
    notes.join('\n'),
  );
  assert.equal(result.exitCode, 0, log);
  const r = result.summary!.redlines[0];
  assert.ok(r.rpsPerReplica !== null, JSON.stringify(r));
  assert.notEqual(r.limitedBy, 'http_req_failed: rate<0.05', JSON.stringify(r));
});
