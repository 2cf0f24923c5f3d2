// A slow endpoint, about 1 req/s per replica (a heavy shell CGI): the search works on counts and lengthens
// its windows instead of calling every probe unstable; a redline of the quarter server, nothing left.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drillShape, printed, tail } from '../testing/shape-drill';
import { assertShapeDrill } from '../testing/shape-checks';

test('a service at about 1 req/s per replica gets a redline, nothing left', {
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
    // The search at low rates is what this shape tests (a new service's drain: the other shapes).
    drainSteps: 0,
  });
  assertShapeDrill(r, ['quarter'], { drain: false });
  // Below 10 req/s rates keep three significant figures, and a window held enough requests to judge.
  assert.match(printed(r), /measure lengthened to \d+ s to hold 5 requests/, tail(r));
});
