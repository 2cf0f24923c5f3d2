// busybox httpd forking a shell CGI per request, closing every connection, HTTP only: a redline of the
// quarter-CPU server, a drain and a clean teardown, through the installed CLI.
import { test } from 'node:test';
import { drillShape } from '../testing/shape-drill';
import { assertShapeDrill } from '../testing/shape-checks';

test('a fork-per-request CGI service: a redline, a drain, nothing left', {
  timeout: 240_000,
}, async () => {
  const r = await drillShape({
    shape: 'cgi',
    context: 'cgi',
    endpoint: '/cgi-bin/burn',
    startRps: 8,
    maxRps: 400,
    drainRps: 20,
    p99Ms: 2000,
  });
  assertShapeDrill(r, ['quarter']);
});
