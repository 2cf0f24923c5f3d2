// A high-rate static server (nginx serving a small file): the search climbs from 200 req/s to thousands per
// replica in a few probes; a redline of the quarter-CPU server, a drain, nothing left.
import { test } from 'node:test';
import { drillShape } from '../testing/shape-drill';
import { assertShapeDrill } from '../testing/shape-checks';

test('nginx serving a file: a redline in the thousands, a drain, nothing left', {
  timeout: 240_000,
}, async () => {
  const r = await drillShape({
    shape: 'static',
    context: 'static',
    endpoint: '/index.html',
    startRps: 200,
    maxRps: 30_000,
    drainRps: 3000,
    p99Ms: 200,
  });
  assertShapeDrill(r, ['quarter']);
});
