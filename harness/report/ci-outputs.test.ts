import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareRuns } from '../capacity';
import { writeCiOutputs } from './ci-outputs';
import { readRun, readSummary } from '../results';
import { startWebhookServer } from './testing/webhook-server';

const fixtures = path.join(__dirname, 'fixtures');
const PORTS: [number, number] = [5200, 5299];

test('a regressed run: the JUnit file is written (folders made), the webhook gets the payload, the log line says why', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-ci-out-'));
  const server = await startWebhookServer(...PORTS);
  try {
    const a = await readRun(path.join(fixtures, 'run-3dc'));
    const b = await readRun(path.join(fixtures, 'run-3dc-costlier'));
    const junitFile = path.join(dir, 'out', 'junit.xml');
    const res = await writeCiOutputs(
      {
        summary: b.summary,
        steps: b.steps,
        comparison: compareRuns(a, b, 0.05),
        exitCode: 99,
        report: 'reports/x/index.html',
      },
      { junitFile, notifyUrl: server.url },
    );
    assert.match(
      readFileSync(junitFile, 'utf8'),
      /<testcase name="redline gen1 against the baseline"[^>]*>\n\s*<failure type="regression"/,
    );
    assert.equal(existsSync(`${junitFile}.tmp`), false);
    assert.equal(res.notified?.delivered, true);
    assert.equal(server.received.length, 1);
    assert.equal((server.received[0].body as { runId: string }).runId, '20261127-190000-capacity-drill');
    assert.deepEqual(res.warnings, []);
    assert.equal(
      res.logLine,
      'headroom: FAILED capacity-drill on local-3dc: 2 server type(s) regressed (gen1, gen2); 4 DC-loss survivor(s) broke' +
        ' (exit 99); report reports/x/index.html',
    );
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a passed run posts nothing unless asked; a webhook that stays down is a warning, not an error', async () => {
  const server = await startWebhookServer(...PORTS, { failFirst: 10, failStatus: 500 });
  try {
    const a = (await readSummary(path.join(fixtures, 'run-3dc'))).summary;
    const passed = { ...a, status: 'passed' as const, failovers: [] };
    const quiet = await writeCiOutputs({ summary: passed, exitCode: 0 }, { notifyUrl: server.url });
    assert.equal(quiet.notified, null);
    assert.equal(server.received.length, 0);
    assert.equal(quiet.logLine, 'headroom: PASSED capacity-drill on local-3dc (exit 0)');
    const asked = await writeCiOutputs(
      { summary: passed, exitCode: 0 },
      { notifyUrl: server.url, notifyAlways: true, post: { retries: 1, sleep: async () => undefined } },
    );
    assert.equal(server.received.length, 2);
    assert.deepEqual(asked.warnings, ['notification to the webhook failed after 2 attempt(s): HTTP 500; HTTP 500']);
  } finally {
    await server.close();
  }
});
