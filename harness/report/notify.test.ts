import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { compareRuns, type Plan } from '../capacity';
import { notifyPayload, postNotification, shouldNotify } from './notify';
import { readRun } from '../results';
import { startWebhookServer } from './testing/webhook-server';

const fixtures = path.join(__dirname, 'fixtures');
// This file's share of the loopback ports given to the CI tests.
const PORTS: [number, number] = [5100, 5199];

async function runs() {
  const runA = await readRun(path.join(fixtures, 'run-3dc'));
  const runB = await readRun(path.join(fixtures, 'run-3dc-costlier'));
  return { a: runA.summary, b: runB.summary, runA, runB };
}

const plan = (rows: [string, string, number, number][]): Plan => ({
  options: { utilization: 0.8, spares: 1, growth: 0, overProvisionedRatio: 1.5 },
  plan: [],
  fleet: [],
  recommended: rows.map(([dc, serverType, servers, costPerHour]) => ({ dc, serverType, servers, costPerHour })),
  totalCostPerHour: rows.reduce((t, r) => t + r[3], 0),
});

test('the payload: status, regressions, failed survivors, plan change and a text for Slack and Teams', async () => {
  const { b, runA, runB } = await runs();
  const p = notifyPayload({
    summary: b,
    comparison: compareRuns(runA, runB, 0.05),
    plan: plan([
      ['use1', 'gen1', 10, 1.0],
      ['use2', 'gen1', 7, 0.7],
    ]),
    baselinePlan: plan([
      ['use1', 'gen1', 8, 0.8],
      ['use2', 'gen1', 7, 0.7],
    ]),
    exitCode: 99,
    report: 'reports/20261127-190000-capacity-drill/index.html',
  });
  assert.equal(p.status, 'failed');
  assert.equal(p.regressed, true);
  assert.equal(p.baselineRunId, '20261127-180000-capacity-drill');
  assert.deepEqual(
    p.regressions.map((r) => [r.serverType, r.redlineBefore, r.redlineAfter]),
    [
      ['gen1', 330, 240],
      ['gen2', 825, 600],
    ],
  );
  // In the costlier run four survivors broke; the first:
  assert.deepEqual(
    p.failedSurvivors.map((s) => `${s.lostDc}/${s.dc}`),
    ['use1/use2', 'use1/euw1', 'use2/use1', 'euw1/use1'],
  );
  assert.deepEqual(p.failedSurvivors[0], {
    drill: 'lose-use1',
    lostDc: 'use1',
    dc: 'use2',
    loadRps: 1320,
    capacityRps: 1080,
    brokenBy: 'http_req_duration: p(99)<250',
  });
  assert.deepEqual(p.plan, {
    servers: { before: 15, after: 17 },
    costPerHour: { before: 1.5, after: 1.7 },
    pools: [{ dc: 'use1', serverType: 'gen1', before: 8, after: 10 }],
  });
  assert.equal(
    p.text,
    [
      '*headroom FAILED*: capacity-drill on local-3dc (run 20261127-190000-capacity-drill, exit 99)',
      '• gen1: redline 330 -> 240 req/s per replica (-27.3%), CPU per request +25.0% against 20261127-180000-capacity-drill',
      '• gen2: redline 825 -> 600 req/s per replica (-27.3%), CPU per request +25.0% against 20261127-180000-capacity-drill',
      '• losing use1: use2 broke at 1320 req/s (capacity 1080) on http_req_duration: p(99)<250',
      '• losing use1: euw1 broke at 880 req/s (capacity 840) on http_req_duration: p(99)<250',
      '• losing use2: use1 broke at 1570.8 req/s (capacity 1080) on http_req_duration: p(99)<250',
      '• losing euw1: use1 broke at 1375 req/s (capacity 1080) on http_req_duration: p(99)<250',
      'plan: 15 -> 17 servers (+2), 1.50 -> 1.70/h (+0.20)',
      'report: reports/20261127-190000-capacity-drill/index.html',
    ].join('\n'),
  );
});

test('only bad news is sent unless asked: a passed run without regression stays quiet', async () => {
  const { a } = await runs();
  const passed = { ...a, status: 'passed' as const, failovers: [] };
  assert.equal(shouldNotify(notifyPayload({ summary: passed, comparison: compareRuns(a, passed, 0.05) })), false);
  assert.equal(shouldNotify(notifyPayload({ summary: passed }), true), true);
  const regressedButPassed = notifyPayload({
    summary: { ...passed, redlines: passed.redlines.map((r) => ({ ...r, rpsPerReplica: 1 })) },
    comparison: undefined,
  });
  assert.equal(shouldNotify(regressedButPassed), false);
  const { b, runA, runB } = await runs();
  const regressed = notifyPayload({
    summary: { ...b, status: 'passed', failovers: [] },
    comparison: compareRuns(runA, runB, 0.05),
  });
  assert.equal(
    regressed.text.split('\n')[0],
    '*headroom REGRESSED*: capacity-drill on local-3dc (run 20261127-190000-capacity-drill)',
  );
  assert.equal(shouldNotify(regressed), true);
});

test('POSTs the payload as JSON to a webhook on loopback', async () => {
  const { b } = await runs();
  const server = await startWebhookServer(...PORTS);
  try {
    const payload = notifyPayload({ summary: b });
    const res = await postNotification(server.url, payload);
    assert.deepEqual(res, { delivered: true, attempts: 1, status: 200, failures: [] });
    assert.equal(server.received.length, 1);
    assert.equal(server.received[0].contentType, 'application/json');
    assert.deepEqual(server.received[0].body, JSON.parse(JSON.stringify(payload)));
  } finally {
    await server.close();
  }
});

test('a webhook that fails twice gets the payload on the third attempt, after waits that double', async () => {
  const { b } = await runs();
  const server = await startWebhookServer(...PORTS, { failFirst: 2, failStatus: 503 });
  const waits: number[] = [];
  try {
    const res = await postNotification(server.url, notifyPayload({ summary: b }), {
      backoffMs: 100,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    assert.deepEqual(res, { delivered: true, attempts: 3, status: 200, failures: ['HTTP 503', 'HTTP 503'] });
    assert.deepEqual(waits, [100, 200]);
    assert.equal(server.received.length, 3);
  } finally {
    await server.close();
  }
});

test('a refusal (HTTP 400) is not retried: the receiver will not change its mind', async () => {
  const { b } = await runs();
  const server = await startWebhookServer(...PORTS, { failFirst: 5, failStatus: 400 });
  try {
    const res = await postNotification(server.url, notifyPayload({ summary: b }), { sleep: async () => undefined });
    assert.deepEqual(res, { delivered: false, attempts: 1, status: 400, failures: ['HTTP 400'] });
  } finally {
    await server.close();
  }
});

test('a webhook that never answers: each attempt times out, the retries run out, nothing is thrown', async () => {
  const { b } = await runs();
  const server = await startWebhookServer(...PORTS, { hang: true });
  try {
    const res = await postNotification(server.url, notifyPayload({ summary: b }), {
      timeoutMs: 150,
      retries: 1,
      sleep: async () => undefined,
    });
    assert.deepEqual(res, {
      delivered: false,
      attempts: 2,
      status: null,
      failures: ['no answer within 150 ms', 'no answer within 150 ms'],
    });
    assert.equal(server.received.length, 2);
  } finally {
    await server.close();
  }
});

test('nobody listening: the connection error is reported, not thrown', async () => {
  const { b } = await runs();
  // Bind and close at once so the port is known to be free of a listener.
  const server = await startWebhookServer(...PORTS);
  await server.close();
  const res = await postNotification(server.url, notifyPayload({ summary: b }), { retries: 0 });
  assert.equal(res.delivered, false);
  assert.equal(res.attempts, 1);
  assert.match(res.failures[0], /ECONNREFUSED/);
});
