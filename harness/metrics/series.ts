// One tag-set's request samples: the second being written (an HDR histogram plus counts per 100 ms
// slot), handed to the store when the next second starts; and the sample listeners it tells.
import { type Histogram, type Sparse, recordUs, releaseHot, sparseOf, takeHot } from './histogram';
import type { Tags } from './tags';

/** Slots per second for counts: windows are exact to 100 ms for counts and rates, to the second for percentiles. */
export const slotsPerSecond = 10;
export const slotMs = 1000 / slotsPerSecond;

export interface Cell {
  hist: Sparse | null;
  /** count[0..9], failed[10..19], dropped[20..29] per 100 ms slot. */
  slots: Float64Array;
}

/** How a sample ended: a request that succeeded or failed, or an arrival dropped before it was sent. */
export type SampleOutcome = 'ok' | 'failed' | 'dropped';

/**
 * Told of every request sample and dropped arrival as it is recorded (as a k6 output consumes samples):
 * the series gives its tags and key. It runs on the generator's path, so it must be cheap; durationMs
 * is 0 for a dropped arrival.
 */
export type SampleListener = (series: Series, atMs: number, outcome: SampleOutcome, durationMs: number) => void;

/** What a series needs from its store. */
export interface SeriesStore {
  /** Replaced, never mutated, when a listener comes or goes: a series reads it once per sample. */
  readonly listeners: readonly SampleListener[];
  keep(sec: number, series: Series, cell: Cell): void;
  advance(sec: number): void;
}

/** The samples of one tag-set. The engine keeps a handle and records through it without re-keying tags. */
export class Series {
  sec = -1;
  hot: Histogram | null = null;
  slots = new Float64Array(3 * slotsPerSecond);
  total: Sparse | null = null;
  totalCount = 0;
  totalFailed = 0;
  totalDropped = 0;
  /** Start of the first and of the last 100 ms slot with samples folded into the total (set by the store). */
  foldedFirstMs = Infinity;
  foldedLastMs = -Infinity;

  constructor(
    private readonly store: SeriesStore,
    readonly tags: Readonly<Tags>,
    readonly key: string,
  ) {}

  /** One request that ended at `atMs` (epoch ms) and took `durationMs` from its intended send time. */
  record(atMs: number, durationMs: number, failed: boolean): void {
    const sec = Math.floor(atMs / 1000);
    if (sec > this.sec) this.roll(sec);
    let slot = Math.floor((atMs - this.sec * 1000) / slotMs);
    if (slot < 0) slot = 0;
    this.slots[slot]++;
    if (failed) this.slots[slotsPerSecond + slot]++;
    if (this.hot === null) this.hot = takeHot();
    recordUs(this.hot, durationMs * 1000);
    const listeners = this.store.listeners;
    if (listeners.length !== 0) {
      const outcome = failed ? 'failed' : 'ok';
      for (let i = 0; i < listeners.length; i++) listeners[i](this, atMs, outcome, durationMs);
    }
  }

  /** An arrival that was not sent because the in-flight cap was reached (k6's dropped_iterations). */
  drop(atMs: number): void {
    const sec = Math.floor(atMs / 1000);
    if (sec > this.sec) this.roll(sec);
    let slot = Math.floor((atMs - this.sec * 1000) / slotMs);
    if (slot < 0) slot = 0;
    this.slots[2 * slotsPerSecond + slot]++;
    const listeners = this.store.listeners;
    for (let i = 0; i < listeners.length; i++) listeners[i](this, atMs, 'dropped', 0);
  }

  /** Moves the second being written into the store and starts `sec`. */
  roll(sec: number): void {
    if (this.sec >= 0) {
      let any = false;
      for (let i = 0; i < this.slots.length; i++)
        if (this.slots[i] !== 0) {
          any = true;
          break;
        }
      if (any) {
        const hist = this.hot !== null && this.hot.totalCount > 0 ? sparseOf(this.hot) : null;
        this.store.keep(this.sec, this, { hist, slots: this.slots });
        this.slots = new Float64Array(3 * slotsPerSecond);
      }
    }
    if (this.hot !== null) {
      releaseHot(this.hot);
      this.hot = null;
    }
    this.sec = sec;
    this.store.advance(sec);
  }

  /** The cell of the second being written, for windows (its histogram copied sparse). */
  current(): Cell | null {
    return this.sec >= 0
      ? { hist: this.hot !== null && this.hot.totalCount > 0 ? sparseOf(this.hot) : null, slots: this.slots }
      : null;
  }
}
