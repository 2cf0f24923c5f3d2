// The redline search as a pure state machine: a ramp until a probe breaks (aimed just below where each
// probe's own figures put the redline, its hint, or a fixed factor up without one), then a bisection
// between the highest rate that held and the lowest that broke, down to a resolution. The controller
// asks for the next rate, runs the probe, and records its verdict. Honest verdicts:
// - a breach counts only when confirmed: every rate is tried again after a breach, and is `breached`
//   at the second breach (or the first, when it is severe: the pool collapsed); it is `held` at its first
//   hold, or (near the boundary: within `nearShare` below the lowest confirmed breach) at its second;
// - an attempt that is unstable, served nothing (but a severe breach: no request ended while a guard with data
//   broke), or was faulted (a replica marked out, killed or paused during it) does not vote; a rate undecided after `maxAttempts` is `noData`, never `held`, and ends
//   the search (inside a bracket the bracket's low still stands: it held, confirmed);
// - reaching maxRps (or the safety cap folded into it) without a breach ends as `noBreach`: "no breach
//   up to X", never a redline;
// - `repeats` runs the search at least N times, `extend()` once more (a precision not reached yet); every
//   search after the first starts just below the first's redline with finer ramp steps, on a grid shifted
//   by a fraction of a step (so the searches interleave). The outcome keeps each search; its redlineRps
//   is their median.

import { roundRate } from '../results';

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
  /** Give up below this rate when even the first probes break (default: startRps / 100). */
  minRps?: number;
  /** The largest factor between one ramp probe and the next when a probe's hint points far above it (default 8). */
  maxJump?: number;
  /** Searches to run (default 1); later ones are seeded from the first's redline. */
  repeats?: number;
  /** Attempts at one rate before it is `noData` (default 4). */
  maxAttempts?: number;
  /** A rate within this share below the lowest confirmed breach needs two holds (default 0.1). */
  nearShare?: number;
  /** What maxRps stands for in the noBreach note (default 'maxRps'; e.g. 'the safety cap'). */
  capLabel?: string;
}

export interface Probe {
  rps: number;
  phase: 'ramp' | 'bisect';
  /** Highest rate that held so far (0 when none). */
  low: number;
  /** Lowest rate that broke so far. */
  high: number | null;
  /** Which search (0-based) and which attempt at this rate (0-based). */
  search: number;
  attempt: number;
}

export type AttemptVerdict = 'held' | 'breached' | 'unstable' | 'noData';

/** One attempt's result. `servedRps` 0 makes it noData; `faulted` makes it not vote. */
export interface AttemptResult {
  verdict: AttemptVerdict;
  servedRps?: number;
  faulted?: boolean;
  /**
   * Where the attempt's own figures put the redline (req/s per replica): a CPU share extrapolated to its
   * guard's limit, or what a saturated probe still served. The ramp aims just below it instead of
   * stepping by a fixed factor, so a search reaches 0.5 req/s or 5,000 req/s in a few probes.
   */
  hintRps?: number;
  /**
   * A breach far beyond noise (most requests failed, or the pool served under half its rate): it counts
   * at once. Confirming it would overload the pool a second time for nothing.
   */
  severe?: boolean;
}

export interface ProbeRecord {
  rps: number;
  /** True only for a decided hold (compatibility with callers that read a boolean). */
  held: boolean;
  verdict: 'held' | 'breached' | 'noData';
  phase: 'ramp' | 'bisect';
  search: number;
  /** Every attempt at this rate, in order ('faulted' for an attempt during a fault). */
  attempts: (AttemptVerdict | 'faulted')[];
}

export interface SearchOutcome {
  /** redline: a confirmed breach above a hold; noBreach: maxRps held; noData: a rate gave no verdict; allBreached: nothing held down to minRps. */
  status: 'redline' | 'noBreach' | 'noData' | 'allBreached';
  /** Highest rate that held; null unless status is redline. */
  redlineRps: number | null;
  /** Highest rate that held, whatever the status (0 = none). */
  lastHeldRps: number;
  /** Lowest confirmed breach; null when none. */
  breachedRps: number | null;
  probes: ProbeRecord[];
  note: string;
}

export interface RedlineOutcome extends Omit<SearchOutcome, 'lastHeldRps'> {
  /** Median of the searches' redlines (status redline when any search found one). */
  redlineRps: number | null;
  searches: SearchOutcome[];
}

/** One search: the ramp and bisection of v1, with confirmed verdicts. */
class SingleSearch {
  low: number | null = null;
  high: number | null = null;
  done: SearchOutcome['status'] | null = null;
  note = '';
  readonly probes: ProbeRecord[] = [];
  /** The hint of the last decided probe, if it gave one. */
  private hint: number | null = null;

  constructor(
    private readonly opts: Required<
      Pick<RedlineSearchOptions, 'maxRps' | 'resolution' | 'nearShare' | 'capLabel' | 'maxJump'>
    >,
    readonly first: number,
    private readonly factor: number,
    private readonly minRps: number,
  ) {}

  /** The next rate, or null when the search is over (status set). */
  nextRate(): Omit<Probe, 'search' | 'attempt'> | null {
    if (this.done) return null;
    const { maxRps, resolution } = this.opts;
    if (this.low === null && this.high === null) return { rps: this.first, phase: 'ramp', low: 0, high: null };
    if (this.high === null) {
      if (this.low! >= maxRps)
        return this.finish('noBreach', `no breach up to ${this.low} req/s per replica (${this.opts.capLabel})`);
      return { rps: roundRate(Math.min(maxRps, this.rampUp(this.low!))), phase: 'ramp', low: this.low!, high: null };
    }
    if (this.low === null) {
      const rps = roundRate(this.rampDown(this.high));
      if (rps < this.minRps)
        return this.finish(
          'allBreached',
          `every probe broke, down to ${this.probes[this.probes.length - 1].rps} req/s per replica`,
        );
      return { rps, phase: 'ramp', low: 0, high: this.high };
    }
    const mid = roundRate((this.low + this.high) / 2);
    if (this.high / this.low - 1 <= resolution || mid <= this.low || mid >= this.high) {
      return this.finish('redline', `held at ${this.low}, confirmed breach at ${this.high} req/s per replica`);
    }
    return { rps: mid, phase: 'bisect', low: this.low, high: this.high };
  }

  /**
   * The next ramp rate above a hold: just below the hint (never less than one bisection step up, never
   * more than maxJump up), or one ramp factor up without a hint.
   */
  private rampUp(low: number): number {
    if (this.hint === null) return low * this.factor;
    const { resolution, maxJump } = this.opts;
    return Math.min(low * maxJump, Math.max(low * (1 + 2 * resolution), this.hint * (1 - resolution)));
  }

  /** The next rate below a breach when nothing held yet: just below the hint, or one ramp factor down. */
  private rampDown(high: number): number {
    if (this.hint === null || this.hint >= high) return high / this.factor;
    return Math.max(
      this.minRps,
      Math.min(high / (1 + 2 * this.opts.resolution), this.hint * (1 - this.opts.resolution)),
    );
  }

  /** Whether this rate needs two holds: just below a confirmed breach. */
  near(rps: number): boolean {
    return this.high !== null && rps >= this.high * (1 - this.opts.nearShare);
  }

  decide(rec: ProbeRecord, hint?: number): void {
    this.probes.push(rec);
    this.hint = hint !== undefined && Number.isFinite(hint) && hint > 0 ? hint : null;
    if (rec.verdict === 'held') this.low = this.low === null ? rec.rps : Math.max(this.low, rec.rps);
    else if (rec.verdict === 'breached') this.high = this.high === null ? rec.rps : Math.min(this.high, rec.rps);
    else if (this.low !== null && this.high !== null) {
      this.finish(
        'redline',
        `no data at ${rec.rps} req/s per replica: stopped inside the bracket [${this.low}, ${this.high}]`,
      );
    } else
      this.finish(
        'noData',
        `no data at ${rec.rps} req/s per replica after ${rec.attempts.length} attempts (unstable, nothing served, or faulted)`,
      );
  }

  finish(status: SearchOutcome['status'], note: string): null {
    this.done = status;
    this.note = note;
    return null;
  }

  outcome(): SearchOutcome {
    return {
      status: this.done ?? 'noData',
      redlineRps: this.done === 'redline' ? this.low : null,
      lastHeldRps: this.low ?? 0,
      breachedRps: this.high,
      probes: [...this.probes],
      note: this.note,
    };
  }
}

export class RedlineSearch {
  private readonly searches: SingleSearch[] = [];
  private repeats: number;
  private readonly maxAttempts: number;
  private readonly minRps: number;
  private pending: Omit<Probe, 'search' | 'attempt'> | null = null;
  private attempts: ProbeRecord['attempts'] = [];
  private lastHint: number | undefined;

  constructor(private readonly opts: RedlineSearchOptions) {
    this.repeats = Math.max(1, opts.repeats ?? 1);
    this.maxAttempts = Math.max(2, opts.maxAttempts ?? 4);
    let first: number, factor: number;
    if (opts.knownRps !== undefined && opts.knownRps > 0) {
      // Close to a known redline, big ramp steps would waste probes far above it.
      factor = 1 + Math.max(opts.resolution * 2, 0.08);
      first = roundRate(Math.min(opts.maxRps, opts.knownRps * 0.92));
    } else {
      factor = opts.rampFactor;
      first = roundRate(Math.min(opts.maxRps, opts.startRps));
    }
    this.minRps = opts.minRps ?? first / 100;
    this.searches.push(this.single(first, factor));
  }

  private single(first: number, factor: number): SingleSearch {
    const { maxRps, resolution } = this.opts;
    const o = {
      maxRps,
      resolution,
      nearShare: this.opts.nearShare ?? 0.1,
      capLabel: this.opts.capLabel ?? 'maxRps',
      maxJump: Math.max(this.opts.rampFactor, this.opts.maxJump ?? 8),
    };
    return new SingleSearch(o, first, factor, this.minRps);
  }

  private get current(): SingleSearch {
    return this.searches[this.searches.length - 1];
  }

  /** The next probe, or null when every search is done. Calling next() twice without record() returns the same probe. */
  next(): Probe | null {
    const search = this.searches.length - 1;
    if (this.pending) return { ...this.pending, search, attempt: this.attempts.length };
    const rate = this.current.nextRate();
    if (rate) {
      this.pending = rate;
      return { ...rate, search, attempt: 0 };
    }
    // Repeat only a search that found a redline: from two steps below it (at most half of it: a coarse
    // resolution's steps would start below zero), in steps of twice the resolution, each repeat's grid shifted
    // by a fraction of a step so that the searches' rates interleave.
    const firstRedline = this.searches[0].outcome().redlineRps;
    if (this.searches.length >= this.repeats || firstRedline === null) return null;
    const step = Math.max(this.opts.resolution * 2, 0.03);
    const shift = 1 + (step * this.searches.length) / this.repeats;
    const start = firstRedline * Math.max(0.5, 1 - 2 * step) * shift;
    this.searches.push(this.single(roundRate(Math.min(this.opts.maxRps, Math.max(this.minRps, start))), 1 + step));
    return this.next();
  }

  /**
   * Allows one more search after those asked for (a precision target not reached yet); false when none can
   * start (the first search found no redline to start from).
   */
  extend(): boolean {
    if (this.searches[0].outcome().redlineRps === null) return false;
    this.repeats = Math.max(this.repeats, this.searches.length) + 1;
    return true;
  }

  /** Records one attempt at the pending probe: a boolean (held or breached) or an attempt result. */
  record(result: boolean | AttemptResult): void {
    const p = this.pending;
    if (!p) throw new Error('RedlineSearch.record() without a pending probe');
    const r: AttemptResult = typeof result === 'boolean' ? { verdict: result ? 'held' : 'breached' } : result;
    // Nothing served is no data, unless a guard with data broke far beyond noise: a pool so overloaded that no
    // request ended within the window (its CPU at its quota) is the clearest breach there is.
    const overloaded = r.verdict === 'breached' && r.severe === true;
    const verdict = r.faulted ? 'faulted' : r.servedRps === 0 && !overloaded ? 'noData' : r.verdict;
    this.attempts.push(verdict);
    if (verdict !== 'faulted' && r.hintRps !== undefined) this.lastHint = r.hintRps;
    const holds = this.attempts.filter((a) => a === 'held').length;
    const breaches = this.attempts.filter((a) => a === 'breached').length;
    const needHolds = this.current.near(p.rps) ? 2 : 1;
    let decided: ProbeRecord['verdict'] | null = null;
    if (breaches >= 2 || (verdict === 'breached' && r.severe)) decided = 'breached';
    else if (holds >= needHolds) decided = 'held';
    else if (this.attempts.length >= this.maxAttempts) decided = 'noData';
    if (!decided) return;
    const search = this.searches.length - 1;
    this.current.decide(
      {
        rps: p.rps,
        held: decided === 'held',
        verdict: decided,
        phase: p.phase,
        search,
        attempts: this.attempts,
      },
      this.lastHint,
    );
    this.pending = null;
    this.attempts = [];
    this.lastHint = undefined;
  }

  outcome(): RedlineOutcome {
    const searches = this.searches.map((s) => s.outcome());
    const found = searches
      .filter((s) => s.redlineRps !== null)
      .map((s) => s.redlineRps!)
      .sort((a, b) => a - b);
    const half = Math.floor(found.length / 2);
    const mid =
      found.length === 0 ? null : found.length % 2 ? found[half] : roundRate((found[half - 1] + found[half]) / 2);
    const breaches = searches.filter((s) => s.breachedRps !== null).map((s) => s.breachedRps!);
    const first = searches[0];
    return {
      status: mid !== null ? 'redline' : first.status,
      redlineRps: mid,
      breachedRps: breaches.length ? Math.min(...breaches) : null,
      probes: searches.flatMap((s) => s.probes),
      note: searches.length === 1 ? first.note : searches.map((s, i) => `search ${i + 1}: ${s.note}`).join('; '),
      searches,
    };
  }
}

/** A sweep's grid: from `from` up to `to`, each point `spacing` (a fraction) above the one before; `to` included. */
export function sweepGrid(from: number, to: number, spacing: number): number[] {
  const grid: number[] = [];
  for (let x = from; x < to * (1 - 1e-9); x *= 1 + spacing) grid.push(roundRate(x));
  grid.push(roundRate(to));
  return [...new Set(grid)];
}
