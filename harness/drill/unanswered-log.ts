// Requests that ended without an answer, per replica and over all, for the last ten seconds: what the replica
// watch reads to tell a dead server (connection faults: marked out at once) from a busy one (late answers,
// 5xx: judged by the guards). Fed by the load's listener; counts per 100 ms slot, so memory stays flat.
import { type ConnectionFault, isConnectionFault, type Unanswered, unansweredText } from '../load';

const slotMs = 100;
const slots = 100;
const kinds: readonly Unanswered[] = ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'closed', 'timeout'];
const kindIndex = new Map(kinds.map((k, i) => [k, i]));

/** What a window holds: every unanswered request, the connection faults among them, and the count of each kind. */
export interface UnansweredWindow {
  unanswered: number;
  faults: number;
  byKind: Partial<Record<Unanswered, number>>;
}

class Slots {
  readonly counts = new Float64Array(slots * kinds.length);
  readonly stamp = new Float64Array(slots).fill(-1);

  add(atMs: number, kind: number): void {
    const n = Math.floor(atMs / slotMs);
    const i = n % slots;
    if (this.stamp[i] !== n) {
      this.stamp[i] = n;
      this.counts.fill(0, i * kinds.length, (i + 1) * kinds.length);
    }
    this.counts[i * kinds.length + kind]++;
  }

  window(sinceMs: number, untilMs: number): UnansweredWindow {
    const out: UnansweredWindow = { unanswered: 0, faults: 0, byKind: {} };
    const from = Math.max(Math.floor(sinceMs / slotMs), Math.floor(untilMs / slotMs) - slots + 1);
    const to = Math.floor((untilMs - 1) / slotMs);
    for (let n = from; n <= to; n++) {
      const i = n % slots;
      if (this.stamp[i] !== n) continue;
      kinds.forEach((k, j) => {
        const c = this.counts[i * kinds.length + j];
        if (c === 0) return;
        out.unanswered += c;
        if (isConnectionFault(k)) out.faults += c;
        out.byKind[k] = (out.byKind[k] ?? 0) + c;
      });
    }
    return out;
  }
}

export class UnansweredLog {
  private readonly replicas = new Map<string, Slots>();
  private readonly all = new Slots();

  add(replica: string, why: Unanswered, atMs: number): void {
    const k = kindIndex.get(why);
    if (k === undefined) return;
    let s = this.replicas.get(replica);
    if (!s) this.replicas.set(replica, (s = new Slots()));
    s.add(atMs, k);
    this.all.add(atMs, k);
  }

  /** In [sinceMs, untilMs), for one replica or over all (at most the last ten seconds). */
  window(sinceMs: number, untilMs: number, replica?: string): UnansweredWindow {
    const s = replica === undefined ? this.all : this.replicas.get(replica);
    return s ? s.window(sinceMs, untilMs) : { unanswered: 0, faults: 0, byKind: {} };
  }
}

/** `connection refused (ECONNREFUSED) ×12, connection reset (ECONNRESET) ×1`: the connection faults of a window. */
export function describeFaults(w: UnansweredWindow): string {
  return (Object.entries(w.byKind) as [Unanswered, number][])
    .filter((e): e is [ConnectionFault, number] => isConnectionFault(e[0]))
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${unansweredText[k]} ×${n}`)
    .join(', ');
}
