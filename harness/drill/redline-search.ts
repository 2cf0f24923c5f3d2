// The redline search as a pure state machine: a fast ramp until a probe breaks, then a bisection
// between the highest rate that held and the lowest that broke, down to a resolution. The controller
// asks for the next rate, runs the probe, and records whether every guard held.

export interface RedlineSearchOptions {
  /** First probe, req/s per replica. */
  startRps: number;
  /** Highest probe, req/s per replica (also the cap of safety limits). */
  maxRps: number;
  /** Factor between ramp probes. */
  rampFactor: number;
  /** Stop bisecting when high / low - 1 <= resolution. */
  resolution: number;
  /** A redline known from an earlier run (Redliner starts there): ramp from just below it in small steps. */
  knownRps?: number;
  /** Give up below this rate when even the first probes break. */
  minRps?: number;
}

export interface Probe {
  rps: number;
  phase: 'ramp' | 'bisect';
  /** Highest rate that held so far (0 when none). */
  low: number;
  /** Lowest rate that broke so far. */
  high: number | null;
}

export interface RedlineOutcome {
  /** Highest rate that held; null when every probe broke. */
  redlineRps: number | null;
  /** Lowest rate that broke; null when the search reached maxRps without a breach. */
  breachedRps: number | null;
  probes: { rps: number; held: boolean; phase: 'ramp' | 'bisect' }[];
}

const round = (x: number) => Math.round(x * 10) / 10;

export class RedlineSearch {
  private low: number | null = null;
  private high: number | null = null;
  private readonly factor: number;
  private readonly first: number;
  private readonly history: RedlineOutcome['probes'] = [];
  private pending: Probe | null = null;

  constructor(private readonly opts: RedlineSearchOptions) {
    if (opts.knownRps !== undefined && opts.knownRps > 0) {
      // Close to a known redline, big ramp steps would waste probes far above it.
      this.factor = 1 + Math.max(opts.resolution * 2, 0.08);
      this.first = round(Math.min(opts.maxRps, opts.knownRps * 0.92));
    } else {
      this.factor = opts.rampFactor;
      this.first = round(Math.min(opts.maxRps, opts.startRps));
    }
  }

  /** The next probe, or null when the search is done. Calling next() twice without record() returns the same probe. */
  next(): Probe | null {
    if (this.pending) return this.pending;
    const { maxRps, resolution } = this.opts;
    const minRps = this.opts.minRps ?? Math.max(0.5, this.first / 16);
    let probe: Probe | null = null;
    if (this.low === null && this.high === null) {
      probe = { rps: this.first, phase: 'ramp', low: 0, high: null };
    } else if (this.high === null) {
      // Everything so far held: ramp up, unless the maximum itself held.
      if (this.low! >= maxRps) return null;
      probe = { rps: round(Math.min(maxRps, this.low! * this.factor)), phase: 'ramp', low: this.low!, high: null };
    } else if (this.low === null) {
      // Everything so far broke: ramp down.
      const rps = round(this.high / this.factor);
      if (rps < minRps) return null;
      probe = { rps, phase: 'ramp', low: 0, high: this.high };
    } else {
      if (this.high / this.low - 1 <= resolution) return null;
      const mid = round((this.low + this.high) / 2);
      if (mid <= this.low || mid >= this.high) return null;
      probe = { rps: mid, phase: 'bisect', low: this.low, high: this.high };
    }
    this.pending = probe;
    return probe;
  }

  /** Records the outcome of the pending probe. */
  record(held: boolean): void {
    const p = this.pending;
    if (!p) throw new Error('RedlineSearch.record() without a pending probe');
    this.pending = null;
    this.history.push({ rps: p.rps, held, phase: p.phase });
    if (held) this.low = this.low === null ? p.rps : Math.max(this.low, p.rps);
    else this.high = this.high === null ? p.rps : Math.min(this.high, p.rps);
  }

  outcome(): RedlineOutcome {
    return { redlineRps: this.low, breachedRps: this.high, probes: [...this.history] };
  }
}

/** A sweep's grid: from `from` up to `to`, each point `spacing` (a fraction) above the one before; `to` included. */
export function sweepGrid(from: number, to: number, spacing: number): number[] {
  const grid: number[] = [];
  for (let x = from; x < to * (1 - 1e-9); x *= 1 + spacing) grid.push(round(x));
  grid.push(round(to));
  return [...new Set(grid)];
}
