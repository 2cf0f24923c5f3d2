// The accuracy suite's own load: a tiny open-loop generator (undici, one pool of keep-alive
// connections, requests sent on a fixed schedule whatever the replica does). Deliberately not
// headroom's engine, so the ground truth does not share the drill's code or its sampling.
import { Pool } from 'undici';

export interface FixedRateLoad {
  /** Answers (any status) and failures since start; ok counts 2xx only. */
  counts(): { ok: number; failed: number };
  stop(): Promise<void>;
}

/**
 * GET `path` on `origin` at `rps` requests per second until stopped. The schedule is kept in absolute
 * time (a late timer sends the missed requests at once), so the offered rate is the rate asked for.
 */
export function fixedRateLoad(origin: string, path: (i: number) => string, rps: number): FixedRateLoad {
  const pool = new Pool(origin, { connections: 16, pipelining: 1, keepAliveTimeout: 30_000 });
  let ok = 0;
  let failed = 0;
  let sent = 0;
  let stopped = false;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  const send = () => {
    const i = sent++;
    const p = pool
      .request({ method: 'GET', path: path(i) })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) ok++;
        else failed++;
      })
      .catch(() => {
        failed++;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const tick = () => {
    if (stopped) return;
    const due = Math.floor(((performance.now() - started) / 1000) * rps);
    while (sent < due) send();
    timer = setTimeout(tick, Math.max(1, Math.min(20, 1000 / rps / 2)));
  };
  let timer = setTimeout(tick, 0);
  return {
    counts: () => ({ ok, failed }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...inFlight]);
      await pool.close();
    },
  };
}
