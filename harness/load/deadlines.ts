// Request deadlines for the HTTP transports, without a timer per request.

/** A request that can run out of time: `deadline` is in performance.now() milliseconds. */
export interface Expirable {
  readonly finished: boolean;
  readonly deadline: number;
  expire(): void;
}

/**
 * Timeouts without a timer per request: requests with the same timeout expire in the order they
 * were sent, so one FIFO queue per timeout value and a sweeper every few ms are enough.
 */
export class Deadlines<C extends Expirable> {
  private readonly queues = new Map<number, { calls: C[]; head: number }>();
  private timer: NodeJS.Timeout | null = null;
  private sweepMs = 50;

  add(timeoutMs: number, call: C): void {
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
