// The controller's LoadPort when an HAProxy edge is in front: DC/pool weights and markOut/markIn go to
// HAProxy through the EdgeRouter (in order, one change at a time), the rate and tags to the generator.
// A DC taken to weight 0 (a loss by weight) moves at once; other changes are bounded per step.
import type { Logger } from '../common';
import type { EdgeRouter, EdgeStepWeights } from '../edge';
import type { Weights } from '../load';
import type { LoadSource } from './load-source';

type Load = LoadSource['load'];

export class EdgeLoadPort implements Load {
  private chain: Promise<unknown> = Promise.resolve();
  /** The last weights HAProxy reported back, for the step record. */
  lastReported: EdgeStepWeights | undefined;

  constructor(
    private readonly inner: Load,
    private readonly router: EdgeRouter,
    private readonly o: { engineWeights?: Weights; logger: Logger; annotate(note: string): void },
  ) {
    if (o.engineWeights) inner.setWeights(o.engineWeights);
  }

  setWeights(w: Weights): void {
    // Without frontends of its own (an existing edge), the generator's rate on top follows the same weights.
    if (!this.o.engineWeights) this.inner.setWeights(w);
    const unbounded = Object.values(w.dcs ?? {}).some((v) => v === 0);
    this.queue(`weights ${JSON.stringify(w.dcs ?? {})}`, () => this.router.setWeights(w, { unbounded }));
  }

  markOut(replica: string): void {
    if (!this.o.engineWeights) this.inner.markOut(replica);
    this.queue(`mark out ${replica}`, () => this.router.markOut(replica));
  }

  markIn(replica: string): void {
    if (!this.o.engineWeights) this.inner.markIn(replica);
    this.queue(`mark in ${replica}`, () => this.router.markIn(replica));
  }

  setRate(rps: number): void {
    this.inner.setRate(rps);
  }
  setTags(tags: Record<string, string>): void {
    this.inner.setTags(tags);
  }
  stats() {
    return this.inner.stats();
  }
  sendLag() {
    return this.inner.sendLag?.() ?? { count: 0, p99: 0, max: 0 };
  }
  resetSendLag(): void {
    this.inner.resetSendLag?.();
  }
  outstanding(replica: string): number {
    // Behind a managed edge the generator knows only its frontends: per-replica requests in flight are HAProxy's (scur).
    return this.o.engineWeights ? 0 : (this.inner.outstanding?.(replica) ?? 0);
  }

  /** Resolves once every change asked for has been applied (or failed). */
  settled(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  private lastNote = '';

  private queue(what: string, change: () => Promise<EdgeStepWeights>): void {
    this.chain = this.chain.then(change).then(
      (r) => {
        this.lastReported = r;
        const shares = Object.entries(r.reportedShares).map(
          ([b, s]) =>
            `${b} ${Object.entries(s)
              .map(([dc, v]) => `${dc}=${v.toFixed(3)}`)
              .join(' ')}`,
        );
        const note = `edge weights reported: ${shares.join('; ')}${r.limited ? ' (held back by maxShareChange)' : ''}`;
        // Several changes in one step (DC weights, then pool weights) often land on the same shares: say it once.
        if (note !== this.lastNote) this.o.annotate(note);
        this.lastNote = note;
      },
      (err: Error) => {
        this.o.logger.warn(`edge: ${what} failed: ${err.message}`);
        this.o.annotate(`edge: ${what} failed: ${err.message}`);
      },
    );
  }
}
