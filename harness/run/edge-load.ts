// The controller's LoadPort when an HAProxy edge is in front: DC/pool weights and markOut/markIn go to
// HAProxy through the EdgeRouter (in order, one change at a time), the rate and tags to the generator.
// A DC taken to weight 0 (a loss by weight) moves at once; other changes are bounded per step. A change
// that fails is a fault of the load path (edge-faults.ts): the drill ends, and no change is sent after it.
import { ClusterError, type Logger } from '../common';
import { EdgeClaimLost, type EdgeRouter, type EdgeStepWeights } from '../edge';
import type { Weights } from '../load';
import type { EdgeFaults } from './edge-faults';
import type { LoadSource } from './load-source';

type Load = LoadSource['load'];

export class EdgeLoadPort implements Load {
  private chain: Promise<unknown> = Promise.resolve();
  /** The last weights HAProxy reported back, for the step record. */
  lastReported: EdgeStepWeights | undefined;

  constructor(
    private readonly inner: Load,
    private readonly router: EdgeRouter,
    private readonly o: {
      engineWeights?: Weights;
      logger: Logger;
      annotate(note: string): void;
      faults: EdgeFaults;
      /** Asks the runtime API now (after a breach): the fault, or null while it answers. */
      probe(): Promise<ClusterError | null>;
      /** Before each change: throws EdgeClaimLost when the edge is not this run's any more. */
      stillOwned?(): Promise<void>;
    },
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

  fault(): Error | null {
    return this.o.faults.fault;
  }

  probeFault(): Promise<Error | null> {
    return this.o.probe();
  }

  private lastNote = '';

  private queue(what: string, change: () => Promise<EdgeStepWeights>): void {
    // After a fault nothing more is sent: the load balancer is gone, or the edge is another run's now.
    this.chain = this.chain
      .then(async () => {
        if (this.o.faults.fault) return null;
        await this.o.stillOwned?.();
        return change();
      })
      .then(
        (r) => {
          if (!r) return;
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
          // Unreachable, refused or not reported back: the step's split would not be HAProxy's. A plan no server
          // could carry (every server of a backend out) is the drill's own problem: said, and the drill goes on.
          if (err instanceof EdgeClaimLost) this.o.faults.claimWasLost(err);
          else if (err instanceof ClusterError) this.o.faults.changeFailed(err, `setting ${what}`);
          else {
            this.o.logger.warn(`edge: ${what} failed: ${err.message}`);
            this.o.annotate(`edge: ${what} failed: ${err.message}`);
          }
        },
      );
  }
}
