// One drill's hold on an edge: on someone else's HAProxy the run first claims it (one owner at a time) and
// refuses weights other than the configured ones; the weights found are saved in the run folder before the
// first change, an optional heartbeat + watchdog guard a crash, and close() puts the saved weights back and
// releases the claim (twice is safe). The drill calls close() on every way out: end, breach, signal, error.
import path from 'node:path';
import type { Logger } from '../common';
import { beatIntervalMs, type ClaimBeat, type EdgeClaim, EdgeClaimLost, startClaimBeat, takeClaim } from './claim';
import { saveClaim } from './claim-file';
import { EdgeRouter, type EdgeRouterOptions } from './edge-router';
import { checkFoundWeights } from './found-weights';
import type { RuntimeClient, ServerWeight } from './runtime';
import type { EdgeServerRef } from './server-weights';
import { heartbeatFileName, startHeartbeat, startWatchdog, type Heartbeat, type Watchdog } from './watchdog';
import { readWeights, saveWeights } from './weights-file';

/** Someone else's edge: claimed for the run, its weights checked against the configured ones. */
export interface EdgeOwnership {
  runId: string;
  /** The claim expires this long after the run's last heartbeat (a harness that was SIGKILLed). */
  ttlSeconds: number;
  /** Take the edge from a live owner, and take weights other than the configured ones as found. */
  force?: boolean;
  /** The claim was lost (taken over, HAProxy reloaded): the drill must end, and not restore. */
  onLost(err: EdgeClaimLost): void;
  /** A renewal found HAProxy unreachable; onOk when it answered. */
  onError(err: Error): void;
  onOk(): void;
}

export interface EdgeSessionOptions extends EdgeRouterOptions {
  client: RuntimeClient;
  servers: readonly EdgeServerRef[];
  runDir: string;
  /** Dead-man timer: the saved weights come back by themselves this many seconds after the heartbeat stops. */
  watchdogSeconds?: number;
  ownership?: EdgeOwnership;
  logger?: Logger;
}

export interface EdgeSession {
  router: EdgeRouter;
  /** The weights saved at start (from edge-weights.json). */
  saved: ServerWeight[];
  /** The claim this run holds, when the edge is someone else's. */
  claim?: EdgeClaim;
  /**
   * Restores the saved weights, releases the claim, stops the heartbeats and the watchdog; returns what HAProxy
   * reports. Throws EdgeClaimLost without restoring when the claim was lost (the weights are not this run's any more).
   */
  close(): Promise<ServerWeight[]>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function openEdgeSession(o: EdgeSessionOptions): Promise<EdgeSession> {
  const own = o.ownership;
  const claim = own
    ? await takeClaim(o.client, { runId: own.runId, ttlSeconds: own.ttlSeconds, force: own.force })
    : undefined;
  if (claim?.replaced)
    o.logger?.[claim.replaced.state === 'held' ? 'warn' : 'info'](
      `edge: claimed ${o.client.url} after a claim ${claim.replaced.state === 'held' ? 'taken over with --force' : claim.replaced.state} (run ${claim.replaced.owner?.runId ?? '?'})`,
    );
  try {
    const snapshot = await o.client.snapshotWeights();
    if (own) {
      const warning = checkFoundWeights(snapshot, [...new Set(o.servers.map((s) => s.backend))], own);
      if (warning) o.logger?.warn(warning);
    }
    // A resumed run keeps the first file: those are the weights from before any change.
    saveWeights(o.runDir, snapshot);
    if (claim) saveClaim(o.runDir, { runtime: o.client.url, gen: claim.gen, token: claim.token });
  } catch (err) {
    await claim?.release().catch(() => false);
    throw err;
  }
  const saved = readWeights(o.runDir);
  let lost: EdgeClaimLost | null = null;
  let beat: ClaimBeat | undefined;
  if (claim && own)
    beat = startClaimBeat(claim, {
      intervalMs: beatIntervalMs(own.ttlSeconds),
      onLost: (err) => {
        lost = err;
        own.onLost(err);
      },
      onError: own.onError,
      onOk: own.onOk,
    });
  let heartbeat: Heartbeat | undefined;
  let watchdog: Watchdog | undefined;
  if (o.watchdogSeconds) {
    heartbeat = startHeartbeat(path.join(o.runDir, heartbeatFileName));
    watchdog = startWatchdog(o.runDir, { timeoutSeconds: o.watchdogSeconds });
  }
  let closing: Promise<ServerWeight[]> | undefined;
  const restore = async (): Promise<ServerWeight[]> => {
    beat?.stop();
    if (claim) {
      // The last word before the weights go back: still this run's edge?
      await claim.renew().catch((err: Error) => {
        if (err instanceof EdgeClaimLost) lost = err;
      });
      if (lost) throw lost;
    }
    try {
      return await o.client.restoreWeights(saved);
    } finally {
      await claim?.release().catch(() => false);
    }
  };
  const close = () =>
    (closing ??= (async () => {
      try {
        return await restore();
      } finally {
        // The watchdog stays on duty if the restore failed: it retries from the file once the heartbeat stops.
        heartbeat?.stop();
      }
    })().then(async (reported) => {
      await watchdog?.stop();
      return reported;
    }));
  return {
    router: new EdgeRouter(o.client, o.servers, o),
    saved: saved.servers,
    claim,
    close,
    [Symbol.asyncDispose]: async () => {
      await close();
    },
  };
}
