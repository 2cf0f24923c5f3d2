// An interpreter with a garbage collector (Debian's Python, a threaded http.server app): a redline of the
// quarter-CPU server, a drain, nothing left.
import { test } from 'node:test';
import { drillShape } from '../testing/shape-drill';
import { assertShapeDrill } from '../testing/shape-checks';

test('a Python service: a redline, a drain, nothing left', { timeout: 240_000 }, async () => {
  const r = await drillShape({
    shape: 'python',
    context: 'python',
    endpoint: '/work',
    startRps: 10,
    maxRps: 2000,
    drainRps: 20,
    p99Ms: 2000,
  });
  assertShapeDrill(r, ['quarter']);
});
