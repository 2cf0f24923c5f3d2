// scenarios/two-tier.ts on real Docker: clusters/local-2tier.yaml as cluster tier-test-2tier on ports
// 13200-13299. The web tier's redline and the drain toward us-east are both limited by the backend
// tier (named in summary.json and in the steps), CPU per front request is taken per tier, and the
// plan has rows for both tiers. Every container is removed, even when an assertion fails.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { silentLogger } from '../common';
import { createDriver } from '../cluster';
import { loadClusterFile } from '../config';
import type { StepRecord, Summary } from '../results';
import { runScenario } from './index';

const root = path.resolve(__dirname, '..', '..');
const clusterName = 'tier-test-2tier';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-two-tier-'));
const clusterFile = path.join(tmp, 'cluster.yaml');

fs.writeFileSync(
  clusterFile,
  fs
    .readFileSync(path.join(root, 'clusters', 'local-2tier.yaml'), 'utf8')
    .replace(/^name: local-2tier$/m, `name: ${clusterName}`)
    .replace(/^ports: 20200-20299$/m, 'ports: 13200-13299'),
);
fs.copyFileSync(path.join(root, 'clusters', 'forecast.2tier.csv'), path.join(tmp, 'forecast.csv'));
// The shipped scenario's drills, guards and ramps on this test's cluster, in steps of 1 s + 3 s (its own are
// 2 s + 5 s, guard windows 5 s): the test checks which tier limits and what the plan holds, not the figures.
fs.writeFileSync(
  path.join(tmp, 'scenario.ts'),
  [
    `import base from ${JSON.stringify(path.join(root, 'scenarios', 'two-tier'))};`,
    'const guards = Object.fromEntries(',
    "  Object.entries(base.guards).map(([m, gs]) => [m, gs.map((g) => (typeof g === 'string' ? g : { ...g, window: '3s' }))]),",
    ');',
    "export default { ...base, cluster: './cluster.yaml', forecast: './forecast.csv', settle: '1s', measure: '3s', guards };",
  ].join('\n'),
);

function containersLeft(): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=headroom.cluster=${clusterName}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

after(async () => {
  await createDriver(await loadClusterFile(clusterFile)).down();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('two-tier: the backend tier limits the web redline and the drain; the plan has rows for both tiers', async () => {
  const out = path.join(tmp, 'run');
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (d) => (log += d));
  const result = await runScenario({
    scenarioFile: path.join(tmp, 'scenario.ts'),
    outDir: out,
    cwd: root,
    stdout: new PassThrough(),
    stderr,
    logger: silentLogger,
    tty: false,
  });
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
  assert.notEqual(summary.status, 'error', `${summary.error ?? ''}\n${log}`);
  assert.ok(result.exitCode === 0 || result.exitCode === 99, log);

  const took = (Date.parse(summary.endedAt) - Date.parse(summary.startedAt)) / 1000;
  console.log(
    `two-tier figures: ${JSON.stringify({ took, redlines: summary.redlines, drains: summary.drains, plan: summary.plan })}`,
  );
  // The redline of the web tier: measured on the front, limited by the backend.
  assert.equal(summary.redlines.length, 1);
  const web = summary.redlines[0];
  assert.equal(web.tier, 'web');
  assert.match(web.pool, /^[a-z0-9]+\/web\/small$/);
  assert.equal(web.limitedByTier, 'backend', JSON.stringify(web));
  assert.ok(web.rpsPerReplica !== null && web.rpsPerReplica > 0, JSON.stringify(web));
  // The backend spends more CPU per front request than the web tier (6 ms against 1 ms of knobs).
  const cpu = web.cpuMsPerFrontRequestByTier!;
  assert.ok(cpu.web !== null && cpu.backend !== null && cpu.backend! > cpu.web!, JSON.stringify(cpu));
  assert.deepEqual(web.tierRedlines!.map((t) => `${t.tier}:${t.basis}`).sort(), ['backend:limit', 'web:cpu']);

  // The drain toward us-east broke on the backend tier too.
  assert.equal(summary.drains.length, 1);
  const drain = summary.drains[0];
  assert.equal(drain.tier, 'web');
  assert.notEqual(drain.brokenBy, 'none', JSON.stringify(drain));
  assert.equal(drain.limitedByTier, 'backend', JSON.stringify(drain));

  // Steps that broke name the tier; backend pools were watched, never marked out for lack of requests.
  const steps = fs
    .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
  assert.ok(steps.some((s) => s.verdict === 'breached' && s.brokenTier === 'backend'));
  assert.ok(
    !steps.some((s) => s.annotations.some((a) => /backend-small-\d+ marked out/.test(a))),
    'a backend replica was marked out',
  );

  // The plan: rows for both tiers in both DCs, and the backend named as the bottleneck.
  const plan = summary.plan!;
  assert.ok(plan, 'no plan in summary.json');
  assert.deepEqual([...new Set(plan.plan.map((r) => `${r.tier}/${r.dc}`))].sort(), [
    'backend/euw1',
    'backend/use1',
    'web/euw1',
    'web/use1',
  ]);
  assert.equal(plan.bottleneckTier, 'backend');
  assert.deepEqual(containersLeft(), []);
});
