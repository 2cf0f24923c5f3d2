// A slow endpoint, about 1 req/s per replica (a heavy shell CGI): the search works on counts and lengthens
// its windows instead of calling every probe unstable; a redline per server type, a drain, nothing left.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drillShape, tail } from '../testing/shape-drill';
import { assertShapeDrill } from '../testing/shape-checks';

test('a service at about 1 req/s per replica gets a redline per server type, a drain, nothing left', {
  timeout: 240_000,
}, async () => {
  const r = await drillShape({
    shape: 'slow',
    context: 'cgi',
    endpoint: '/cgi-bin/burn',
    startRps: 0.6,
    maxRps: 20,
    drainRps: 1.2,
    p99Ms: 4000,
    timeout: '10s',
    minRequests: 5,
  });
  assertShapeDrill(r, ['quarter', 'half']);
  // Below 10 req/s rates keep three significant figures, and a window held enough requests to judge.
  assert.match(r.cli.stdout, /measure lengthened to \d+ s to hold 5 requests/, tail(r));
});
