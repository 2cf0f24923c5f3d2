// HTTP/1.1 to replicas: one undici Pool per replica, keep-alive, pipelining 1 (one request per
// connection at a time, as a browser or a service mesh sends). Responses are drained, not buffered.
import { Pool } from 'undici';

/** Called once per request: failed is true on a transport error, a timeout or a status >= 400. */
export type Done = (failed: boolean, status: number) => void;

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
  constructor(
    private readonly done: Done,
    readonly deadline: number,
  ) {}
  onRequestStart(controller: { abort(reason: Error): void }): void {
    this.controller = controller;
  }
  onResponseStart(_c: unknown, statusCode: number): void {
    this.status = statusCode;
  }
  onResponseData(): void {}
  onResponseEnd(): void {
    if (this.finished) return;
    this.finished = true;
    this.done(this.status >= 400 || this.status < 100, this.status);
  }
  onResponseError(): void {
    if (this.finished) return;
    this.finished = true;
    this.done(true, 0);
  }
  /** Past its deadline: fail it now, and abort the request if it is on a connection. */
  expire(): void {
    if (this.finished) return;
    this.finished = true;
    this.done(true, 0);
    try {
      this.controller?.abort(timeoutError);
    } catch {
      // already ended
    }
  }
}

const timeoutError = Object.assign(new Error('request timed out'), { code: 'HEADROOM_TIMEOUT' });

/**
 * Timeouts without a timer per request: requests with the same timeout expire in the order they
 * were sent, so one FIFO queue per timeout value and a sweeper every few ms are enough.
 */
class Deadlines {
  private readonly queues = new Map<number, { calls: Call[]; head: number }>();
  private timer: NodeJS.Timeout | null = null;
  private sweepMs = 50;

  add(timeoutMs: number, call: Call): void {
    let q = this.queues.get(timeoutMs);
    if (!q) {
      this.queues.set(timeoutMs, (q = { calls: [], head: 0 }));
      this.sweepMs = Math.max(5, Math.min(this.sweepMs, Math.floor(timeoutMs / 20)));
      if (this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    }
    q.calls.push(call);
    if (!this.timer) {
      this.timer = setInterval(this.sweep, this.sweepMs);
      this.timer.unref();
    }
  }

  private readonly sweep = (): void => {
    const now = performance.now();
    for (const q of this.queues.values()) {
      const calls = q.calls;
      let h = q.head;
      while (h < calls.length && (calls[h].finished || calls[h].deadline <= now)) {
        calls[h].expire();
        h++;
      }
      if (h > 1024 && h * 2 > calls.length) {
        q.calls = calls.slice(h);
        h = 0;
      }
      q.head = h;
    }
  };

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const q of this.queues.values()) for (let i = q.head; i < q.calls.length; i++) q.calls[i].expire();
    this.queues.clear();
  }
}

export class HttpTransport implements HttpSender {
  private readonly pools: (Pool | undefined)[];
  private readonly deadlines = new Deadlines();
  private closed = false;

  /** `origins[i]` is replica i's `http://host:port` (absent when it has none). */
  constructor(private readonly origins: (string | undefined)[], private readonly opts: { connectTimeoutMs?: number } = {}) {
    this.pools = new Array(origins.length);
  }

  private pool(i: number): Pool {
    let p = this.pools[i];
    if (!p) {
      const origin = this.origins[i];
      if (!origin) throw new Error(`replica ${i} has no HTTP address`);
      p = new Pool(origin, { connections: null, pipelining: 1, keepAliveTimeout: 30_000, connect: { timeout: this.opts.connectTimeoutMs ?? 5_000 } });
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
    const call = new Call(done, performance.now() + req.timeoutMs);
    try {
      // undici's own timers are coarse (hundreds of ms): they stay as a backstop, the deadlines decide.
      this.pool(replica).dispatch(
        { path: req.path, method: req.method, headers: req.headers, body: req.body ?? null, headersTimeout: req.timeoutMs + 1000, bodyTimeout: req.timeoutMs + 1000 },
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
