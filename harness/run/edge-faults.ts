// What ends a drill through an edge: the load balancer lost (its runtime API refusing connections or gone,
// silent three times in a row, a weight change failing) or the edge not this run's any more (its claim lost).
// The first fault is kept, with its cause, the last weights that took effect and what to run next.
import { ClusterError, type Logger } from '../common';
import { type EdgeClaimLost, RuntimeUnreachable } from '../edge';

/** Reads that timed out in a row, over at least this long, before the edge counts as lost (a refused connection counts at once). */
export const silentReadsLost = 3;
export const silentMsLost = 5000;

export interface EdgeFaultsOptions {
  /** `HAProxy at tcp://…`, or `the edge container X (runtime API tcp://…)`. */
  what: string;
  /** The weights HAProxy last reported after a change (or those found at start), for the message. */
  lastWeights(): string;
  /** An existing edge: what to run once it answers again (`headroom edge restore <run>`). */
  restoreHint?: string;
  logger: Logger;
  now?: () => number;
}

export class EdgeFaults {
  private first: ClusterError | null = null;
  private silent = 0;
  private lastAnswer: number;
  private readonly now: () => number;

  constructor(private readonly o: EdgeFaultsOptions) {
    this.now = o.now ?? Date.now;
    this.lastAnswer = this.now();
  }

  get fault(): ClusterError | null {
    return this.first;
  }

  /** The claim was lost: the weights are someone else's now (or HAProxy's configured ones after a reload). */
  get claimLost(): boolean {
    return this.first instanceof ClaimLostFault;
  }

  /** The runtime API answered. */
  answered(): void {
    this.silent = 0;
    this.lastAnswer = this.now();
  }

  /** A read (show stat, the claim's renewal) failed while `doing`. */
  readFailed(err: Error, doing: string): void {
    if (!(err instanceof RuntimeUnreachable)) {
      this.o.logger.warn(`edge: ${doing} failed: ${err.message}`);
      return;
    }
    this.silent++;
    // Refused or reset: nothing listens there any more. A timeout may be a busy machine (the harness's own event
    // loop late): lost only after several in a row, with no answer for some seconds.
    const silentMs = this.now() - this.lastAnswer;
    if (err.code !== 'timeout' || (this.silent >= silentReadsLost && silentMs >= silentMsLost))
      this.lose(
        `${doing} failed${this.silent > 1 ? ` (${this.silent} times in a row, no answer for ${(silentMs / 1000).toFixed(1)} s)` : ''}: ${err.message}`,
      );
    else this.o.logger.warn(`edge: ${doing} failed: ${err.message}`);
  }

  /** A weight change that did not take effect: the split the step claims is not the one HAProxy runs. */
  changeFailed(err: Error, what: string): void {
    this.lose(`${what} failed: ${err.message}`);
  }

  claimWasLost(err: EdgeClaimLost): void {
    this.first ??= new ClaimLostFault(
      `${err.message}. This run no longer changes or restores its weights; the last weights it set: ${this.o.lastWeights()}` +
        (this.o.restoreHint ? `. Once the edge is free, ${this.o.restoreHint}` : ''),
    );
  }

  private lose(cause: string): void {
    this.first ??= new ClusterError(
      `edge: lost the load balancer being drilled (${this.o.what}): ${cause}. ` +
        `The last weights that took effect: ${this.o.lastWeights()}` +
        (this.o.restoreHint ? `. Once it answers again, ${this.o.restoreHint}` : ''),
      undefined,
      undefined,
      'the drill ends when the load balancer it drills is lost: no step after it is a capacity figure',
    );
  }
}

class ClaimLostFault extends ClusterError {}
