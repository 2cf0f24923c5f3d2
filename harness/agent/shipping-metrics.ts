// The agent's metrics store: the load engine records into it as into any store, but each finished
// second is handed to the outbox for the controller instead of being kept (the controller's store
// holds the run; the agent's memory stays flat).
import { Metrics, type Series, type Sparse, type Tags } from '../metrics';

export interface FinishedSecond {
  tags: Readonly<Tags>;
  sec: number;
  hist: Sparse | null;
  slots: Float64Array;
}

export class ShippingMetrics extends Metrics {
  private outbox: FinishedSecond[] = [];

  override keep(sec: number, series: Series, cell: { hist: Sparse | null; slots: Float64Array }): void {
    this.outbox.push({ tags: series.tags, sec, hist: cell.hist, slots: cell.slots });
  }

  /**
   * Closes every second before the one `nowMs` is in and returns what finished since the last call.
   * Requests are recorded at their end time on this same clock, so nothing lands in a closed second.
   */
  take(nowMs = this.now()): FinishedSecond[] {
    const sec = Math.floor(nowMs / 1000);
    for (const tags of this.tagSets()) {
      const s = this.seriesFor(tags);
      if (s.sec >= 0 && s.sec < sec) s.roll(sec);
    }
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  /** Everything, the second being written included (after the engine stopped). */
  takeAll(): FinishedSecond[] {
    return this.take(this.now() + 1000);
  }
}
