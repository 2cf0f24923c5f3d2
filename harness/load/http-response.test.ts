// The fast response path against llhttp itself: what it reads it reads as llhttp does, and it leaves to llhttp
// every response that is not whole, plain and framed by a Content-Length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type SimpleResponse, headerName, parseSimpleResponse } from './http-response';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { HTTPParser } = require('node:_http_common');

/** llhttp's reading of one response in one chunk: status, keep-alive, the header, whether the message ended. */
function llhttp(text: string, wanted: string) {
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
  const seen = { status: 0, keepAlive: false, header: undefined as string | undefined, complete: 0 };
  parser[HTTPParser.kOnHeadersComplete] = (...a: unknown[]) => {
    const h = a[2] as string[];
    seen.status = a[5] as number;
    seen.keepAlive = a[8] as boolean;
    for (let i = 0; i + 1 < h.length; i += 2) if (h[i].toLowerCase() === wanted) seen.header = h[i + 1];
    return 0;
  };
  parser[HTTPParser.kOnMessageComplete] = () => seen.complete++;
  const r = parser.execute(Buffer.from(text, 'latin1'));
  parser.close();
  return { ...seen, error: r instanceof Error };
}

/** The fast path's reading, from a shared 64 KiB buffer whose tail holds stale bytes (as the client's does). */
const shared = Buffer.alloc(64 * 1024, 'HTTP/1.1 200 OK\r\n\r\n');
function fast(text: string, wanted: string | null = 'x-served-by'): SimpleResponse | null {
  const n = shared.write(text, 0, 'latin1');
  const out: SimpleResponse = { status: 0, keepAlive: false, header: undefined };
  return parseSimpleResponse(shared, n, wanted === null ? null : headerName(wanted), out) ? out : null;
}

const nginx =
  'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 01 Dec 2026 02:31:41 GMT\r\nContent-Type: text/plain\r\n' +
  "Content-Length: 28\r\nConnection: keep-alive\r\n\r\nhello from headroom's bench\n";

test("reads nginx's usual answer, and the header asked for, as llhttp does", () => {
  assert.deepEqual(fast(nginx), { status: 200, keepAlive: true, header: undefined });
  assert.deepEqual(fast(nginx, null), { status: 200, keepAlive: true, header: undefined });
  const behindEdge = 'HTTP/1.1 503 Service Unavailable\r\nX-Served-By:  web-2 \r\ncontent-length: 0\r\n\r\n';
  assert.deepEqual(fast(behindEdge), { status: 503, keepAlive: true, header: 'web-2' });
  assert.deepEqual(fast(behindEdge, null), { status: 503, keepAlive: true, header: undefined });
  assert.deepEqual(fast('HTTP/1.1 404 Not Found\r\nConnection: Close\r\nContent-Length: 2\r\n\r\nno'), {
    status: 404,
    keepAlive: false,
    header: undefined,
  });
});

const accepted = [
  nginx,
  'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 201\r\nContent-Length: 1\r\n\r\n!',
  'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!',
  'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.1 200 OK\r\nX-Served-By: a\r\nx-served-by: b\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.1 299 Whatever\tit is\r\nCONTENT-LENGTH:3\r\nCONNECTION:KEEP-ALIVE\r\n\r\nabc',
  'HTTP/1.1 200 OK\r\nContent-Length: 4 \r\nX-Served-By:\r\n\r\nbody',
  'HTTP/1.1 503 Service Unavailable\r\nX-Served-By:  web-2 \r\ncontent-length: 0\r\n\r\n',
];

test('every response it reads, llhttp reads the same: status, keep-alive, header, one whole message', () => {
  for (const text of accepted) {
    const f = fast(text);
    assert.ok(f, `the fast path reads ${JSON.stringify(text)}`);
    const l = llhttp(text, 'x-served-by');
    assert.equal(l.error, false, text);
    assert.equal(l.complete, 1, text);
    assert.deepEqual(f, { status: l.status, keepAlive: l.keepAlive, header: l.header }, text);
  }
});

const declined: [string, string][] = [
  ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'],
  ['no length (ends with the connection)', 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nok'],
  ['the body not all here', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok'],
  ['the head not all here', 'HTTP/1.1 200 OK\r\nContent-Len'],
  ['more bytes than the message', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n'],
  ['100 Continue first', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
  ['204', 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n'],
  ['304', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n'],
  ['101', 'HTTP/1.1 101 Switching Protocols\r\nContent-Length: 0\r\n\r\n'],
  ['two lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok'],
  ['a length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok'],
  ['a Connection list', 'HTTP/1.1 200 OK\r\nConnection: keep-alive, upgrade\r\nContent-Length: 2\r\n\r\nok'],
  ['a folded header', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\nContent-Length: 2\r\n\r\nok'],
  ['a space before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok'],
  ['a bare LF', 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok'],
  ['a control byte in a value', 'HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 2\r\n\r\nok'],
  ['not HTTP', 'SMTP ready\r\n\r\n'],
  ['HTTP/2 text', 'HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['a status of two digits', 'HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok'],
];

test('leaves to llhttp what is not one whole plain response with a length', () => {
  for (const [what, text] of declined) assert.equal(fast(text), null, what);
});
