// Scenario scripts: malformed ones each give a clear error (file, field, what was expected) and exit
// 104 through the real CLI; the shipped scenarios load and match their cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../cli/main';
import { checkScenarioAgainstCluster, loadClusterFile, loadScenario } from '../config';

const root = path.resolve(__dirname, '..', '..');
const bad = path.join(__dirname, 'fixtures', 'bad');

async function drill(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(['drill', ...args], { stdout: out, stderr: err, env: {}, cwd: root });
  return { code, stderr, stdout };
}

const cases: [file: string, field: string, expected: string][] = [
  ['syntax-error.js', '', 'cannot load the script'],
  ['throws.js', '', 'cannot load the script: the scenario script blew up'],
  ['no-default-export.js', 'default', 'got nothing; expected a default export: export default defineScenario({...})'],
  ['missing-name.js', 'name', 'got nothing; expected string'],
  ['unknown-kind.js', 'drills[0].kind', `got "redlin"; expected kind 'redline', 'sweep', 'drain', 'lose-dc' or 'hold'`],
  ['negative-rate.js', 'baselineRps', 'got -5; expected a number > 0'],
  ['bad-duration.js', 'drills[0].settle', `got "soon"; expected a duration like '500ms', '5s' or '1m30s'`],
  ['bad-guard.js', 'guards.http_req_duration[0]', `malformed threshold 'p(99)<<250'`],
  ['unknown-metric.js', 'guards.http_req_duraton', `unknown metric 'http_req_duraton'`],
  [
    'unknown-server-type.js',
    'drills[0].serverTypes[0]',
    `got 'medium'; expected a server type of drill-2dc.yaml: 'small', 'large'`,
  ],
  ['missing-cluster.js', 'cluster', 'got "../no-such-cluster.yaml"; no such file'],
  ['unknown-key.js', '(scenario)', `unknown key 'drils'; expected only the fields a scenario defines`],
  ['unknown-dc.js', 'drills[0].dc', `got 'dc9'; expected 'each' or a DC of drill-2dc.yaml: 'dc1', 'dc2'`],
  ['max-below-start.js', 'drills[0].maxRps', 'got 10; expected maxRps >= startRps (50)'],
  ['no-drills.js', 'drills', 'got []; expected at least one drill'],
  [
    'cap-below-start.js',
    'drills[0].startRps',
    `drill 'r': got 60 req/s per replica × 1 replicas of dc1/small = 60 req/s; expected at most safety.maxTotalRps (50)`,
  ],
];

for (const [file, field, expected] of cases) {
  test(`malformed scenario ${file}: exit 104 naming ${field || 'the file'}`, async () => {
    const abs = path.join(bad, file);
    const r = await drill([abs]);
    assert.equal(r.code, 104, r.stderr);
    assert.ok(r.stderr.includes(`headroom: ${abs}: ${field ? `${field}: ` : ''}${expected}`), r.stderr);
    assert.equal(r.stdout, '');
  });
}

test('a redline whose maxRps × replicas is above safety.maxTotalRps is named too', async () => {
  const abs = path.join(bad, 'cap-below-start.js');
  const r = await drill([abs]);
  assert.equal(r.code, 104);
  assert.ok(
    r.stderr.includes(
      `${abs}: drills[0].maxRps: drill 'r': got 400 req/s per replica × 1 replicas of dc1/small = 400 req/s; expected at most safety.maxTotalRps (50)`,
    ),
    r.stderr,
  );
});

test('a scenario file that does not exist: exit 104', async () => {
  const r = await drill(['scenarios/no-such.ts']);
  assert.equal(r.code, 104);
  assert.match(r.stderr, /scenarios\/no-such\.ts: file not found/);
});

test('several problems in one scenario are all reported', async () => {
  const dir = fs.mkdtempSync('/tmp/headroom-drill-');
  try {
    const file = path.join(dir, 'many.js');
    fs.writeFileSync(
      file,
      `exports.default = { name: 'x y', cluster: 'c.yaml', baselineRps: 0, mix: { endpoints: [] }, guards: {}, safety: { maxErrorRate: 3, maxTotalRps: 10 }, drills: [{ kind: 'drain', name: 'd', target: {} }] };`,
    );
    const r = await drill([file]);
    assert.equal(r.code, 104);
    for (const f of ['name', 'baselineRps', 'mix.endpoints', 'guards', 'safety.maxErrorRate', 'drills[0].target'])
      assert.ok(r.stderr.includes(`${file}: ${f}: `), `${f} missing in:\n${r.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the real process exits 104 on a malformed scenario', () => {
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'harness/cli/headroom.js'), 'drill', path.join(bad, 'unknown-kind.js')],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(r.status, 104, r.stderr);
  assert.match(r.stderr, /drills\[0\]\.kind/);
});

test('the shipped scenarios load and name only what their cluster has', async () => {
  const dir = path.join(root, 'scenarios');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('-mix.ts'));
  assert.deepEqual(files.sort(), [
    'capacity-drill.ts',
    'drain-us-east.ts',
    'edge-drain.ts',
    'insta-stack.ts',
    'lose-a-dc.ts',
    'redline.ts',
    'smoke.ts',
    'two-tier.ts',
  ]);
  for (const f of files) {
    const s = await loadScenario(path.join(dir, f));
    checkScenarioAgainstCluster(s, await loadClusterFile(s.clusterFile));
    const own: Record<string, string> = {
      'two-tier.ts': 'local-2tier.yaml',
      'edge-drain.ts': 'local-edge.yaml',
      'insta-stack.ts': 'insta-stack.yaml',
    };
    assert.equal(path.basename(s.clusterFile), own[f] ?? 'local-3dc.yaml');
  }
});
