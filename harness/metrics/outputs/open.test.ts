// Outputs as a run opens them: both at once behind one record listener, fed by the controller's live view,
// ended once (file flushed, endpoint closed). Real file, real loopback server.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { LiveState, LiveView } from '../../drill';
import { ConfigError } from '../../common';
import { openOutputs, prometheusLiveView } from '.';
import type { PrometheusOutput } from '.';

// Compile-time check that the adapter fits the controller's real LiveView seam.
export const fitsController: (p: PrometheusOutput, v: LiveView) => LiveView = (p, v) => prometheusLiveView(p, v);

async function openInRange(
  specsFor: (port: number) => Parameters<typeof openOutputs>[0],
  cwd: string,
  from: number,
  to: number,
) {
  for (let port = from; ; port++) {
    try {
      return await openOutputs(specsFor(port), cwd);
    } catch (err) {
      if (port >= to || !(err instanceof ConfigError && err.message.includes('EADDRINUSE'))) throw err;
    }
  }
}

test('json and prometheus outputs open together, take the same records and the live view, and end cleanly', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-out-'));
  const outs = await openInRange(
    (port) => [
      { kind: 'json', file: 'points.json' },
      { kind: 'prometheus', address: `127.0.0.1:${port}` },
    ],
    dir,
    8200,
    8249,
  );
  t.after(async () => {
    await outs.end();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  assert.ok(outs.prometheus && outs.prometheusUrl);
  const shown: LiveState[] = [];
  let closed = false;
  const inner: LiveView = {
    live: true,
    update: (s) => shown.push(s),
    stepEnded: () => {},
    message: () => {},
    close: () => (closed = true),
  };
  const view = prometheusLiveView(outs.prometheus, inner);
  const state: LiveState = {
    drill: 'lose-use1',
    step: 7,
    phase: 'measure',
    kind: 'lose-dc',
    target: 'use1',
    rateRps: 250,
    weights: { dcs: {} },
    p99Ms: 12,
    errorRate: 0,
    rps: 249,
    cpuByPool: { 'usw2/small': 0.8, 'euw1/small': null },
    guards: [
      { name: 'p(99)<250', ok: true, value: 12 },
      { name: 'rate<0.01', ok: null, value: null },
    ],
    markedOut: [],
    elapsedMs: 4000,
  };
  view.update(state);
  const at = Date.now();
  for (let i = 0; i < 3; i++) outs.records.request({ dc: 'usw2', pool: 'usw2/small', endpoint: 'feed' }, 5, false, at);
  const body = await (await fetch(outs.prometheusUrl)).text();
  assert.match(body, /^headroom_requests_total\{dc="usw2",pool="usw2\/small",endpoint="feed",protocol="http"\} 3$/m);
  assert.match(body, /^headroom_step\{drill="lose-use1",step="7",kind="lose-dc",target="use1"\} 7$/m);
  assert.match(body, /^headroom_offered_rps 250$/m);
  assert.match(body, /^headroom_drill_state\{state="measuring"\} 1$/m);
  assert.match(body, /^headroom_cpu_share\{pool="usw2\/small"\} 0\.8$/m);
  assert.doesNotMatch(body, /euw1\/small/);
  assert.match(body, /^headroom_guard_ok\{guard="rate<0\.01",target="use1"\} 1$/m);
  assert.equal(shown.length, 1);
  view.close();
  assert.ok(closed);
  assert.match(await (await fetch(outs.prometheusUrl)).text(), /^headroom_drill_state\{state="done"\} 1$/m);

  await outs.end();
  await outs.end();
  await assert.rejects(fetch(outs.prometheusUrl));
  const points = fs
    .readFileSync(path.join(dir, 'points.json'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(points.filter((p) => p.type === 'Point' && p.metric === 'http_reqs').length, 3);
});
