// Per-server figures from two `show stat` readings, keyed by replica (or `backend/server`): what the
// controller reads beside its own samples over a window (requests, 5xx, rate, queue now). Pure.
import type { EdgeServerRef } from './server-weights';
import { serverKey } from './server-weights';
import type { StatRow } from './stat-csv';

export interface ServerFigures {
  dc: string;
  serverType: string;
  /** Requests the server took between the two readings (its HTTP sessions), and those answered 5xx. */
  requests: number;
  errors5xx: number;
  /** requests / seconds between the readings. */
  rps: number;
  /** At the second reading: queued requests, requests in progress, status, effective weight. */
  qcur: number;
  scur: number;
  status: string;
  weight: number | null;
}

export function serverFigures(
  servers: readonly EdgeServerRef[],
  before: readonly StatRow[],
  after: readonly StatRow[],
  seconds: number,
): Record<string, ServerFigures> {
  const row = (rows: readonly StatRow[], s: EdgeServerRef) =>
    rows.find((r) => r.kind === 'server' && r.proxy === s.backend && r.name === s.server);
  const out: Record<string, ServerFigures> = {};
  for (const s of servers) {
    const a = row(before, s);
    const b = row(after, s);
    if (!b) continue;
    // A counter that went down means HAProxy restarted between the readings: count from zero.
    const since = (x: number, y: number | undefined) => (y !== undefined && x >= y ? x - y : x);
    const requests = since(b.stot, a?.stot);
    out[s.replica ?? serverKey(s)] = {
      dc: s.dc,
      serverType: s.serverType,
      requests,
      errors5xx: since(b.hrsp5xx, a?.hrsp5xx),
      rps: seconds > 0 ? requests / seconds : 0,
      qcur: b.qcur,
      scur: b.scur,
      status: b.status,
      weight: b.weight,
    };
  }
  return out;
}
