// A lean HTTP/1.1 client over `net` for the engine's hot path: keep-alive connections per replica,
// one request per connection at a time (pipelining 1), requests pre-encoded once when constant, and
// responses parsed in JS when whole and plain (http-response.ts), else by llhttp, the parser Node's own http
// module uses (through _http_common).
// Measured against undici in `make bench`; HttpTransport (undici) stays available.
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Done, HttpRequest, HttpSender } from './http';
import { Deadlines } from './deadlines';
import { type SimpleResponse, headerName, parseSimpleResponse } from './http-response';
import { type ConnectionFault, connectionFault, type Unanswered } from './unanswered';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { HTTPParser } = require('node:_http_common') as { HTTPParser: LlhttpParserClass };

interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [k: number]: unknown;
}
interface LlhttpParserClass {
  new (): LlhttpParser;
  RESPONSE: number;
  kOnHeadersComplete: number;
  kOnMessageComplete: number;
  kOnHeaders: number;
  kOnExecute: number;
}

const kOnHeaders = HTTPParser.kOnHeaders | 0;
const kOnHeadersComplete = HTTPParser.kOnHeadersComplete | 0;
const kOnMessageComplete = HTTPParser.kOnMessageComplete | 0;
const kOnExecute = HTTPParser.kOnExecute | 0;

class Call {
  finished = false;
  conn: Conn | null = null;
  retried = false;
  constructor(
    readonly done: Done,
    readonly deadline: number,
    readonly head: boolean,
    readonly payload: Buffer | string,
    readonly origin: Origin,
  ) {}
  finish(failed: boolean, status: number, servedBy?: string, unanswered?: Unanswered): void {
    if (this.finished) return;
    this.finished = true;
    this.done(failed, status, servedBy, unanswered);
  }
  expire(): void {
    if (this.finished) return;
    this.finish(true, 0, undefined, 'timeout');
    // The connection still owes this response: it cannot carry another request.
    this.conn?.destroy();
  }
}

const noop = () => {};
/** The fast path's answer: one object for every connection, read at once after each parse. */
const simple: SimpleResponse = { status: 0, keepAlive: true, header: undefined };
/** Every connection reads into this buffer: each chunk is parsed synchronously before the next read. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);
const closeParser = (p: LlhttpParser) => {
  try {
    p.close();
  } catch {
    // already closed
  }
};

class Conn {
  readonly socket: net.Socket;
  readonly parser: LlhttpParser;
  call: Call | null = null;
  status = 0;
  keepAlive = true;
  gotBytes = false;
  /** The served-by header's value in the current response (an edge naming its server). */
  servedBy: string | undefined = undefined;
  served = 0;
  dead = false;
  /** llhttp holds part of a response: the next bytes go to it, not to the fast path. */
  midMessage = false;
  /** llhttp has parsed bytes on this connection (so it is reset before it takes the next response). */
  parserUsed = false;

  constructor(readonly origin: Origin) {
    // onread: responses land in one shared buffer and are parsed at once, skipping the Readable stream
    // (measured: about a quarter less CPU per request than 'data' events).
    const socket = net.connect({
      host: origin.host,
      port: origin.port,
      noDelay: true,
      onread: { buffer: readBuffer, callback: (n: number, buf: Buffer) => this.onData(buf, n) },
    } as net.NetConnectOpts);
    this.socket = socket;
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    // Headers matter only when an edge names the server it chose; otherwise llhttp's arrays are ignored.
    const wanted = origin.servedByHeader;
    const scan = wanted
      ? (h: unknown) => {
          if (!Array.isArray(h)) return;
          for (let i = 0; i + 1 < h.length; i += 2)
            if (String(h[i]).toLowerCase() === wanted) this.servedBy = String(h[i + 1]);
        }
      : noop;
    parser[kOnHeaders] = scan;
    parser[kOnExecute] = noop;
    // No kOnBody: with a callback there, Node's parser copies every body into a new Buffer and calls into JS
    // for it (~7% of a closed loop's user CPU); without one it skips the body, which only ends the message.
    parser[kOnHeadersComplete] = (
      _maj: number,
      _min: number,
      h: unknown,
      _m: unknown,
      _u: unknown,
      statusCode: number,
      _sm: unknown,
      _up: unknown,
      shouldKeepAlive: boolean,
    ) => {
      this.status = statusCode;
      this.keepAlive = shouldKeepAlive;
      scan(h);
      // 1 tells llhttp the response has no body (HEAD).
      return this.call?.head ? 1 : 0;
    };
    parser[kOnMessageComplete] = () => this.complete();
    this.parser = parser;
    // Before any byte of the response, an error or the end of the connection is a fault of the server (or of
    // the way to it): it never answered. After some bytes it is a broken answer, judged as a failure.
    socket.on('end', () => {
      // A body delimited by the end of the connection ends here.
      if (!this.dead && this.midMessage) this.parser.finish();
      this.fail(this.gotBytes ? undefined : 'closed');
    });
    socket.on('error', (err) => this.fail(connectionFault(err, this.gotBytes)));
    socket.on('close', () => this.fail(this.gotBytes ? undefined : 'closed'));
  }

  private onData(buf: Buffer, n: number): boolean {
    if (this.dead) return false;
    this.gotBytes = true;
    if (!this.midMessage) {
      const call = this.call;
      if (call !== null && !call.head && parseSimpleResponse(buf, n, this.origin.servedByName, simple)) {
        this.status = simple.status;
        this.keepAlive = simple.keepAlive;
        this.servedBy = simple.header;
        this.complete();
        return true;
      }
      // A response starts here: llhttp takes it from a clean state, whatever bytes it saw before.
      if (this.parserUsed) this.parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
      this.parserUsed = true;
      this.midMessage = true;
    }
    const r = this.parser.execute(n === buf.length ? buf : buf.subarray(0, n));
    if (r instanceof Error) this.fail();
    return true;
  }

  send(call: Call): void {
    this.call = call;
    this.gotBytes = false;
    this.status = 0;
    this.servedBy = undefined;
    call.conn = this;
    this.socket.write(call.payload);
  }

  private complete(): void {
    const status = this.status;
    if (status >= 100 && status < 200 && status !== 101) return; // 100 Continue and friends: the real answer follows
    this.midMessage = false;
    const call = this.call;
    this.call = null;
    this.served++;
    if (call) {
      call.conn = null;
      call.finish(status >= 400, status, this.servedBy);
    }
    if (!this.keepAlive) this.destroy();
    else if (!this.dead) this.origin.idle.push(this);
  }

  /**
   * The connection broke (or closed): its request fails, or is retried once if it was reused and nothing came
   * back; `fault` says how it broke when that was before any response.
   */
  fail(fault?: ConnectionFault): void {
    const call = this.call;
    this.call = null;
    this.destroy();
    if (!call || call.finished) return;
    call.conn = null;
    if (this.served > 0 && !this.gotBytes && !call.retried) {
      // A keep-alive connection the server had just closed: the request never reached it.
      call.retried = true;
      call.origin.dispatch(call);
    } else call.finish(true, 0, undefined, fault);
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    const i = this.origin.idle.indexOf(this);
    if (i >= 0) this.origin.idle.splice(i, 1);
    this.origin.conns.delete(this);
    this.socket.destroy();
    // Closing llhttp from inside one of its own callbacks crashes the process: close it on the next turn (as Node's http does).
    setImmediate(closeParser, this.parser);
    if (this.call) this.fail();
  }
}

class Origin {
  readonly idle: Conn[] = [];
  readonly conns = new Set<Conn>();
  closed = false;
  /** servedByHeader's bytes, for the fast path. */
  readonly servedByName: Uint8Array | null;
  constructor(
    readonly host: string,
    readonly port: number,
    readonly hostHeader: string,
    /** Lower-case name of the response header that names the serving replica, if any. */
    readonly servedByHeader?: string,
  ) {
    this.servedByName = servedByHeader ? headerName(servedByHeader) : null;
  }

  dispatch(call: Call): void {
    if (this.closed) return call.finish(true, 0);
    let conn = this.idle.pop();
    while (conn?.dead) conn = this.idle.pop();
    if (!conn) {
      conn = new Conn(this);
      this.conns.add(conn);
    }
    conn.send(call);
  }

  close(): void {
    this.closed = true;
    for (const c of [...this.conns]) c.destroy();
  }
}

function encode(req: HttpRequest, hostHeader: string): string {
  let head = `${req.method} ${req.path} HTTP/1.1\r\nHost: ${hostHeader}\r\n`;
  let hasUa = false;
  if (req.headers) {
    for (const k in req.headers) {
      head += `${k}: ${req.headers[k]}\r\n`;
      if (k.toLowerCase() === 'user-agent') hasUa = true;
    }
  }
  if (!hasUa) head += 'User-Agent: headroom\r\n';
  if (req.body !== undefined) return `${head}Content-Length: ${Buffer.byteLength(req.body)}\r\n\r\n${req.body}`;
  if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') head += 'Content-Length: 0\r\n';
  return `${head}\r\n`;
}

export class NetHttpTransport implements HttpSender {
  private readonly origins: (Origin | undefined)[];
  private readonly deadlines = new Deadlines<Call>();
  /** Encoded bytes of constant requests, per request object and replica. */
  private readonly encoded = new WeakMap<HttpRequest, (Buffer | undefined)[]>();
  private closed = false;

  constructor(origins: (string | undefined)[], opts: { servedByHeader?: string } = {}) {
    this.origins = origins.map((o) => {
      if (!o) return undefined;
      const u = new URL(o);
      if (u.protocol !== 'http:') return undefined;
      return new Origin(
        u.hostname.replace(/^\[|\]$/g, ''),
        Number(u.port || 80),
        u.host,
        opts.servedByHeader?.toLowerCase(),
      );
    });
  }

  /** True when every origin is plain http (https goes to undici). */
  static handles(origins: (string | undefined)[]): boolean {
    return origins.every((o) => !o || o.startsWith('http://'));
  }

  /** `constant`: the request object is reused unchanged for every send, so its bytes are encoded once. */
  send(replica: number, req: HttpRequest, done: Done, constant = false): void {
    const origin = this.origins[replica];
    if (this.closed || !origin) {
      done(true, 0);
      return;
    }
    let payload: Buffer | string;
    if (constant) {
      let perReplica = this.encoded.get(req);
      if (!perReplica) this.encoded.set(req, (perReplica = []));
      payload = perReplica[replica] ??= Buffer.from(encode(req, origin.hostHeader), 'utf8');
    } else payload = encode(req, origin.hostHeader);
    const call = new Call(done, performance.now() + req.timeoutMs, req.method === 'HEAD', payload, origin);
    this.deadlines.add(req.timeoutMs, call);
    origin.dispatch(call);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.deadlines.close();
    for (const o of this.origins) o?.close();
  }
}
