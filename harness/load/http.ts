// HTTP/1.1 to replicas: one undici Pool per replica, keep-alive, pipelining 1 (one request per
// connection at a time, as a browser or a service mesh sends). Responses are drained, not buffered.
import type { Pool } from 'undici';
import { Deadlines } from './deadlines';
import { connectionFault, type Unanswered } from './unanswered';

/**
 * Called once per request: failed is true on a transport error, a timeout or a status >= 400. servedBy: the
 * value of the served-by response header when the sender was given one (an edge naming the server it chose).
 * unanswered: why a failed request got no answer at all, when the transport knows (a connection fault, a timeout).
 */
export type Done = (failed: boolean, status: number, servedBy?: string, unanswered?: Unanswered) => void;

/** What the mix needs from an HTTP client (undici's HttpTransport or the lean NetHttpTransport). */
export interface HttpSender {
  /** `constant`: the same request object is sent every time (the client may encode it once). */
  send(replica: number, req: HttpRequest, done: Done, constant?: boolean): void;
  close(): Promise<void>;
}

export interface HttpRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** One request in flight: a class with prototype methods, so a request costs one small object. */
class Call {
  status = 0;
  finished = false;
  controller: { abort(reason: Error): void } | null = null;
  servedBy: string | undefined;
  constructor(
    private readonly done: Done,
    readonly deadline: number,
    private readonly servedByHeader?: string,
  ) {}
  onRequestStart(controller: { abort(reason: Error): void }): void {
    this.controller = controller;
  }
  onResponseStart(_c: unknown, statusCode: number, headers?: Record<string, string | string[] | undefined>): void {
    this.status = statusCode;
    if (this.servedByHeader && headers) {
      const v = headers[this.servedByHeader];
      this.servedBy = Array.isArray(v) ? v[0] : v;
    }
  }
  onResponseData(): void {}
  onResponseEnd(): void {
    if (this.finished) return;
    this.finished = true;
    this.done(this.status >= 400 || this.status < 100, this.status, this.servedBy);
  }
  onResponseError(_controller: unknown, err?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.done(true, 0, undefined, connectionFault(err, this.status !== 0));
  }
  /** Past its deadline: fail it now, and abort the request if it is on a connection. */
  expire(): void {
    if (this.finished) return;
    this.finished = true;
    this.done(true, 0, undefined, 'timeout');
    try {
      this.controller?.abort(timeoutError);
    } catch {
      // already ended
    }
  }
}

const timeoutError = Object.assign(new Error('request timed out'), { code: 'HEADROOM_TIMEOUT' });

export class HttpTransport implements HttpSender {
  private readonly pools: (Pool | undefined)[];
  private readonly deadlines = new Deadlines<Call>();
  private closed = false;

  /** `origins[i]` is replica i's `http://host:port` (absent when it has none). */
  constructor(
    private readonly origins: (string | undefined)[],
    private readonly opts: { connectTimeoutMs?: number; servedByHeader?: string } = {},
  ) {
    this.pools = new Array(origins.length);
  }

  private pool(i: number): Pool {
    let p = this.pools[i];
    if (!p) {
      const origin = this.origins[i];
      if (!origin) throw new Error(`replica ${i} has no HTTP address`);
      // undici is required here, on first use: the default (net) transport never needs its ~0.15 s of start-up CPU.
      const { Pool: UndiciPool } = require('undici') as typeof import('undici');
      p = new UndiciPool(origin, {
        connections: null,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: { timeout: this.opts.connectTimeoutMs ?? 5_000 },
      });
      // A connection error is reported to the request it belongs to; the pool itself must not throw.
      p.on('connectionError', () => {});
      this.pools[i] = p;
    }
    return p;
  }

  send(replica: number, req: HttpRequest, done: Done): void {
    if (this.closed) {
      done(true, 0);
      return;
    }
    const call = new Call(done, performance.now() + req.timeoutMs, this.opts.servedByHeader?.toLowerCase());
    try {
      // undici's own timers are coarse (hundreds of ms): they stay as a backstop, the deadlines decide.
      this.pool(replica).dispatch(
        {
          path: req.path,
          method: req.method,
          headers: req.headers,
          body: req.body ?? null,
          headersTimeout: req.timeoutMs + 1000,
          bodyTimeout: req.timeoutMs + 1000,
        },
        call as never,
      );
      this.deadlines.add(req.timeoutMs, call);
    } catch {
      call.expire();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.deadlines.close();
    await Promise.all(this.pools.map((p) => p?.destroy().catch(() => {})));
  }
}
