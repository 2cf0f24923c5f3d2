// The shipped GitHub Actions workflow's scheduled job, run locally as a script: the same `run:` steps in the
// same order, on a short scenario that fails a threshold on purpose. Checks what CI reads: the exit code (99),
// the JUnit file (schema-valid, the failed threshold as a failure), the history line and the webhook payload.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createDriver } from '../cluster';
import { parseClusterFile } from '../config';
import { startWebhookServer } from '../report/testing/webhook-server';
import { workflowJob, workflowScript } from '.';

const root = path.resolve(__dirname, '..', '..');

const cluster = `name: ci-workflow
driver: docker
ports: 24500-24519
host: 127.0.0.1
service:
  env: { FEED_CPU_MS: "1" }
serverTypes:
  small: { cpus: 1, memoryMb: 256, workers: 1, costPerHour: 0.0104 }
regions:
  - name: r1
    dcs:
      - { name: dc1, demand: 60, pools: { small: 1 } }
  - name: r2
    dcs:
      - { name: dc2, demand: 40, pools: { small: 1 } }
`;

// A threshold no server meets: the drill fails (99), which is what makes the job notify.
const scenario = `import { defineScenario } from '../harness/drill';
export default defineScenario({
  name: 'ci-short',
  cluster: '../clusters-ci/ci.yaml',
  mix: { endpoints: [{ name: 'feed', protocol: 'http', method: 'GET', path: '/feed?user={{user}}', weight: 1 }],
         params: { user: { kind: 'uniform', min: 1, max: 1000 } } },
  baselineRps: 20,
  guards: { http_req_failed: [{ threshold: 'rate<0.5', window: '1500ms' }] },
  safety: { maxErrorRate: 0.5, maxTotalRps: 100 },
  thresholds: { http_req_duration: ['p(99)<0.001'] },
  drills: [{ kind: 'hold', name: 'hold', settle: '500ms', measure: '1500ms', steps: 1 }],
});
`;

test('the scheduled workflow job, run as a script: exit 99, JUnit file, history line, webhook payload', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-ci-'));
  const hook = await startWebhookServer(24520, 24539);
  t.after(async () => {
    await hook.close();
    // The drill tears its cluster down; this is for a run that died half-way (in-process: no CLI to start).
    await createDriver(parseClusterFile(cluster, path.join(dir, 'clusters-ci/ci.yaml')))
      .down({ force: true })
      .catch(() => 0);
    rmSync(dir, { recursive: true, force: true });
  });
  for (const name of ['harness', 'clusters', 'node_modules', 'docs', 'package.json', 'tsconfig.json']) {
    symlinkSync(path.join(root, name), path.join(dir, name));
  }
  mkdirSync(path.join(dir, 'scenarios'));
  mkdirSync(path.join(dir, 'clusters-ci'));
  writeFileSync(path.join(dir, 'scenarios/ci-short.ts'), scenario);
  writeFileSync(path.join(dir, 'clusters-ci/ci.yaml'), cluster);

  const job = workflowJob(readFileSync(path.join(root, 'docs/ci/github-actions.yml'), 'utf8'), 'scheduled');
  const script = workflowScript(job, {
    skip: ['Install and start Docker'],
    env: { SCENARIO: 'ci-short', HEADROOM_HISTORY_BRANCH: '' },
    expressions: { 'secrets.HEADROOM_WEBHOOK_URL': hook.url, 'steps.drill.outputs.code': '99' },
    conditions: { "(steps.drill.outputs.code == '0' || steps.drill.outputs.code == '99')": true },
  });
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: dir, env: { ...process.env, HEADROOM_LIVE: '0' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('exit', (c) => resolve({ code: c, output: out }));
  });
  assert.equal(code, 99, `the job fails with the drill's exit code\n${output.slice(-3000)}`);
  assert.match(output, /::step Full drill/);
  assert.match(output, /::step Print the redline history/);
  assert.match(output, /headroom: FAILED ci-short on ci-workflow/, 'the job log has the one summary line');

  const junit = readFileSync(path.join(dir, 'reports/junit.xml'), 'utf8');
  assert.match(junit, /<testsuites[^>]*failures="[1-9]/);
  assert.match(junit, /http_req_duration/);
  execFileSync(
    'xmllint',
    ['--noout', '--schema', path.join(root, 'harness/report/fixtures/junit.xsd'), path.join(dir, 'reports/junit.xml')],
    {
      stdio: 'pipe',
    },
  );

  const history = readFileSync(path.join(dir, 'reports/history.ndjson'), 'utf8').trim().split('\n');
  assert.equal(history.length, 1);
  const line = JSON.parse(history[0]) as { scenario: string; cluster: string; status: string };
  assert.deepEqual([line.scenario, line.cluster, line.status], ['ci-short', 'ci-workflow', 'failed']);

  assert.equal(hook.received.length, 1, 'one notification for a failed drill');
  const payload = hook.received[0].body as {
    status: string;
    text: string;
    failedThresholds: unknown[];
    report: string;
  };
  assert.equal(payload.status, 'failed');
  assert.ok(payload.failedThresholds.length >= 1);
  assert.match(payload.text, /ci-short/);
  assert.match(payload.report, /index\.html$/);
});
