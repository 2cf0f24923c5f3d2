// A server that takes 15 s to become healthy, on a health path that is not /healthz: up waits for it (its
// startTimeout), then a redline of the quarter-CPU server, a drain, nothing left.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drillShape, printed, tail } from '../testing/shape-drill';
import { assertShapeDrill } from '../testing/shape-checks';

test('a server slow to become healthy on /status: up waits, then a redline, a drain, nothing left', {
  timeout: 240_000,
}, async () => {
  const r = await drillShape({
    shape: 'slowstart',
    context: 'slowstart',
    endpoint: '/cgi-bin/burn',
    startRps: 8,
    maxRps: 400,
    drainRps: 20,
    p99Ms: 2000,
  });
  assertShapeDrill(r, ['quarter']);
  const up = /cluster shape-slowstart: \d+ replicas up in ([\d.]+) s/.exec(printed(r));
  assert.ok(up, tail(r));
  assert.ok(Number(up[1]) >= 14, `up in ${up[1]} s: it did not wait for the warm-up\n${tail(r)}`);
});
