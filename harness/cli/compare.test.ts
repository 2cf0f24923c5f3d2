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
  const out = new PassThrough(), err = new PassThrough();
  let stdout = '', stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const io: CliIo = { stdout: out, stderr: err, env: {}, cwd: root };
  return { code: await main(argv, io), stdout, stderr };
}

test('a run with a higher CPU cost per request exits 99 and names the server types that regressed', async () => {
  const { code, stdout, stderr } = await headroom(['compare', base, costlier]);
  assert.equal(code, 99);
  assert.match(stdout, /^gen1 +330\.0 +240\.0 +-27\.3% +1\.200 +1\.500 +\+25\.0% +REGRESSED$/m);
  assert.match(stdout, /^gen2 +825\.0 +600\.0 +-27\.3% +1\.000 +1\.250 +\+25\.0% +REGRESSED$/m);
  assert.match(stderr, /^headroom: regressed: gen1, gen2$/m);
  assert.match(stderr, /gen1: redline fell -27\.3% \(330 -> 240 req\/s per replica\), more than the 5\.0% allowed; CPU per request rose \+25\.0%/);
});

test('the other way round, or a run against itself, passes', async () => {
  assert.equal((await headroom(['compare', costlier, base])).code, 0);
  const same = await headroom(['compare', base, path.join(base, 'summary.json')]);
  assert.equal(same.code, 0);
  assert.match(same.stdout, /^gen1 +330\.0 +330\.0 +\+0\.0% .* ok$/m);
});

test('--max-drop sets the limit: 30% lets a 27.3% drop and a 25% rise pass, 20% does not', async () => {
  assert.equal((await headroom(['compare', base, costlier, '--max-drop', '30%'])).code, 0);
  assert.equal((await headroom(['compare', base, costlier, '--max-drop', '0.2'])).code, 99);
  const json = await headroom(['compare', base, costlier, '--max-drop', '26%', '--json']);
  // The redline fell 27.3% (> 26%), CPU per request rose 25% (< 26%): a regression by the redline alone.
  assert.equal(json.code, 99);
  const c = JSON.parse(json.stdout);
  assert.deepEqual(c.regressed, ['gen1', 'gen2']);
  assert.equal(c.types[0].notes.length, 1);
  assert.match(c.types[0].notes[0], /^redline fell/);
});

test('bad input: a --max-drop that is not a share exits 104, one run is a usage error', async () => {
  const bad = await headroom(['compare', base, costlier, '--max-drop', 'lots']);
  assert.equal(bad.code, 104);
  assert.match(bad.stderr, /--max-drop: value 'lots': expected a share such as 0\.05 or 5%/);
  assert.equal((await headroom(['compare', base])).code, 104);
});

// Two real runs of harness/report/fixtures/real/redline-cpu{2,3}.ts (the same drill on the same
// cluster, GET /feed costing 2 then 3 ms of CPU), recorded on a busy 2-core machine.
test('two real runs: the costlier request exits 99 and names both server types', async () => {
  const real = path.join(root, 'harness', 'report', 'fixtures', 'real');
  const { code, stdout, stderr } = await headroom(['compare', path.join(real, 'run-cpu2'), path.join(real, 'run-cpu3')]);
  assert.equal(code, 99);
  assert.match(stdout, /^large +150\.0 +68\.8 +-54\.1% +2\.413 +3\.523 +\+46\.0% +REGRESSED$/m);
  assert.match(stdout, /^small +39\.4 +41\.3 +\+4\.8% +2\.635 +3\.436 +\+30\.4% +REGRESSED$/m);
  assert.match(stderr, /^headroom: regressed: large, small$/m);
  // small's redline held (p99 on a busy machine limits it first), its CPU per request did not.
  assert.match(stderr, /^  small: CPU per request rose \+30\.4% \(2\.635 -> 3\.436 ms\), more than the 5\.0% allowed$/m);
});
