import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main';
import type { CliIo } from './io';

const root = path.join(__dirname, '..', '..');
const base = path.join(root, 'harness', 'report', 'fixtures', 'run-3dc');
// The same drill with the reference service's CPU cost per request raised 25%: redlines 330 -> 240, 825 -> 600.
const costlier = path.join(root, 'harness', 'report', 'fixtures', 'run-3dc-costlier');

async function headroom(argv: string[]) {
  const out = new PassThrough(),
    err = new PassThrough();
  let stdout = '',
    stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const io: CliIo = { stdout: out, stderr: err, env: {}, cwd: root };
  return { code: await main(argv, io), stdout, stderr };
}

test('a run with a higher CPU cost per request exits 99; the table and stderr give the rank test, p, shift and minimum effect', async () => {
  const { code, stdout, stderr } = await headroom(['compare', base, costlier]);
  assert.equal(code, 99);
  assert.match(
    stdout,
    /^Decision: CPU per request: one-sided Mann-Whitney rank test .*net of the at-rest CPU and the drift both searches share \(p < 0\.01\), and a Hodges-Lehmann rise of at least \+5\.5%/m,
  );
  // The fixture's probes cost 10 ms/s at rest plus exactly 25% more per request in b: net of the at-rest CPU the shift is +25.0%.
  assert.match(stdout, /^gen1 +330\.0 +240\.0 +-27\.3% +1\.240 +1\.540 +\+25\.0% +15\/15 +<0\.0001 +REGRESSED$/m);
  assert.match(stdout, /^gen2 +825\.0 +600\.0 +-27\.3% +1\.019 +1\.269 +\+25\.0% +7\/7 +0\.0011 +REGRESSED$/m);
  assert.match(
    stdout,
    /^ {2}gen1: CPU samples: each probe's CPU ms per request net of 10\.0 ms\/s of at-rest CPU, moved to the start of the search along the shared drift of \+0\.0%\/min$/m,
  );
  assert.match(stderr, /^headroom: regressed: gen1, gen2$/m);
  assert.match(
    stderr,
    /^ {2}gen2: CPU per request \+25\.0% \(Hodges-Lehmann, 7 vs 7 samples\): regressed: rank test p 0\.0011 < 0\.01 and the rise is at least \+5\.5%$/m,
  );
});

test('the other way round, or a run against itself, passes', async () => {
  assert.equal((await headroom(['compare', costlier, base])).code, 0);
  const same = await headroom(['compare', base, path.join(base, 'summary.json')]);
  assert.equal(same.code, 0);
  assert.match(same.stdout, /^gen1 +330\.0 +330\.0 +\+0\.0% .* ok$/m);
  assert.match(
    same.stdout,
    /gen1: CPU per request \+0\.0% .*: no regression: rank test p 0\.\d+ >= 0\.01 \(within the noise\)/,
  );
});

test('--max-drop is the minimum effect: 30% lets a 24% rise pass, 20% does not; --json carries the decision', async () => {
  assert.equal((await headroom(['compare', base, costlier, '--max-drop', '30%'])).code, 0);
  assert.equal((await headroom(['compare', base, costlier, '--max-drop', '0.2'])).code, 99);
  const json = await headroom(['compare', base, costlier, '--max-drop', '26%', '--json']);
  assert.equal(json.code, 0);
  const c = JSON.parse(json.stdout);
  assert.equal(c.maxDrop, 0.26);
  assert.deepEqual(c.regressed, []);
  assert.equal(c.types[0].decision.cpu.tested, true);
  assert.ok(c.types[0].p < 0.0001);
  assert.match(c.types[0].notes[0], /significant \(p < 0\.0001\) but below the \+26\.0% minimum effect/);
});

test('bad input: a --max-drop that is not a share exits 104, one run is a usage error', async () => {
  const bad = await headroom(['compare', base, costlier, '--max-drop', 'lots']);
  assert.equal(bad.code, 104);
  assert.match(bad.stderr, /--max-drop: value 'lots': expected a share such as 0\.05 or 5%/);
  assert.equal((await headroom(['compare', base])).code, 104);
});

// Two real runs of harness/report/fixtures/real/redline-cpu{2,3}.ts (the same drill on the same
// cluster, GET /feed costing 2 then 3 ms of CPU), recorded on a busy 2-core machine.
test("two real runs: the costlier request exits 99 and names both server types, although small's redline rose", async () => {
  const real = path.join(root, 'harness', 'report', 'fixtures', 'real');
  const { code, stdout, stderr } = await headroom([
    'compare',
    path.join(real, 'run-cpu2'),
    path.join(real, 'run-cpu3'),
  ]);
  assert.equal(code, 99);
  assert.match(stdout, /^large +150\.0 +68\.8 +-54\.1% +2\.557 +3\.588 +\+38\.7% +8\/7 +0\.0011 +REGRESSED$/m);
  // One probe of small in b answered under 90% of its offered rate: left out.
  assert.match(stdout, /^small +39\.4 +41\.3 +\+4\.8% +2\.783 +3\.527 +\+29\.3% +7\/6 +0\.0017 +REGRESSED$/m);
  assert.match(
    stdout,
    /small: CPU samples: .*; 1 probe answering under 90% of the offered rate left out \(0 in a, 1 in b\)$/m,
  );
  assert.match(stderr, /^headroom: regressed: large, small$/m);
  const same = await headroom(['compare', path.join(real, 'run-cpu2'), path.join(real, 'run-cpu2')]);
  assert.equal(same.code, 0);
});

// The gate on real runs: harness/run/fixtures/gate/gate-test-cpu2{,2}.ts (one small replica, GET /feed
// costing FEED_CPU_MS 2 or 2.2 ms: +10% of the feed work, +7.9% of a request's whole CPU cost), run on a
// 2-core machine shared with six other helpers (load 5-15). Only summary.json and the probes' figures kept.
// The gate before probe-cost.ts (raw probe figures) passed cpu2-1 -> cpu22-1: +4.8%, p 0.1233.
const gate = path.join(root, 'harness', 'report', 'fixtures', 'real', 'gate');
test('real gate runs: FEED_CPU_MS 2 against 2 passes (twice), 2 against 2.2 regresses by CPU per request (twice)', async () => {
  const aa = await headroom(['compare', path.join(gate, 'cpu2-1'), path.join(gate, 'cpu2-2')]);
  assert.equal(aa.code, 0);
  assert.match(aa.stdout, /^small +63\.7 +64\.6 +\+1\.4% +3\.026 +2\.964 +\+1\.6% +11\/12 +0\.2209 +ok$/m);
  const aa2 = await headroom(['compare', path.join(gate, 'cpu2-3'), path.join(gate, 'cpu2-4')]);
  assert.equal(aa2.code, 0);
  assert.match(aa2.stdout, /^ {2}small: CPU per request \+2\.4% .*no regression: rank test p 0\.0718 >= 0\.01/m);

  const ab = await headroom(['compare', path.join(gate, 'cpu2-1'), path.join(gate, 'cpu22-1')]);
  assert.equal(ab.code, 99);
  assert.match(ab.stdout, /^small +63\.7 +59\.4 +-6\.8% +3\.026 +3\.230 +\+6\.9% +11\/11 +<0\.0001 +REGRESSED$/m);
  // The redlines alone cannot tell: their intervals overlap.
  assert.match(ab.stdout, /^ {2}small: Redline -6\.8% .*: no regression: the 95% intervals overlap$/m);
  assert.match(
    ab.stdout,
    /^ {2}small: CPU samples: .*net of 1\.2 ms\/s of at-rest CPU, .*drift of -11\.3%\/min; 2 probes answering under 90% of the offered rate left out \(0 in a, 2 in b\)$/m,
  );
  assert.match(ab.stderr, /^headroom: regressed: small$/m);

  const again = await headroom(['compare', path.join(gate, 'cpu2-3'), path.join(gate, 'cpu22-2')]);
  assert.equal(again.code, 99);
  assert.match(
    again.stdout,
    /^ {2}small: CPU per request \+7\.3% \(Hodges-Lehmann, 14 vs 16 samples\): regressed: rank test p 0\.0032 < 0\.01/m,
  );
  // The other way round the cost fell: no regression.
  assert.equal((await headroom(['compare', path.join(gate, 'cpu22-1'), path.join(gate, 'cpu2-1')])).code, 0);
});
