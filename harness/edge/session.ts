// One drill's hold on an edge: the weights found are saved in the run folder before the first change,
// an optional heartbeat + watchdog guard a crash, and close() puts the saved weights back (twice is safe).
// The drill calls close() on every way out: end, guard breach, signal, internal error.
import path from 'node:path';
import { EdgeRouter, type EdgeRouterOptions } from './edge-router';
import type { RuntimeClient, ServerWeight } from './runtime';
import type { EdgeServerRef } from './server-weights';
import { heartbeatFileName, startHeartbeat, startWatchdog, type Heartbeat, type Watchdog } from './watchdog';
import { readWeights, saveWeights } from './weights-file';

export interface EdgeSessionOptions extends EdgeRouterOptions {
  client: RuntimeClient;
  servers: readonly EdgeServerRef[];
  runDir: string;
  /** Dead-man timer: the saved weights come back by themselves this many seconds after the heartbeat stops. */
  watchdogSeconds?: number;
}

export interface EdgeSession {
  router: EdgeRouter;
  /** The weights saved at start (from edge-weights.json). */
  saved: ServerWeight[];
  /** Restores the saved weights, stops the heartbeat and the watchdog; returns what HAProxy reports. */
  close(): Promise<ServerWeight[]>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function openEdgeSession(o: EdgeSessionOptions): Promise<EdgeSession> {
  // A resumed run keeps the first file: those are the weights from before any change.
  saveWeights(o.runDir, await o.client.snapshotWeights());
  const saved = readWeights(o.runDir);
  let heartbeat: Heartbeat | undefined;
  let watchdog: Watchdog | undefined;
  if (o.watchdogSeconds) {
    heartbeat = startHeartbeat(path.join(o.runDir, heartbeatFileName));
    watchdog = startWatchdog(o.runDir, { timeoutSeconds: o.watchdogSeconds });
  }
  let closing: Promise<ServerWeight[]> | undefined;
  const close = () =>
    (closing ??= (async () => {
      try {
        return await o.client.restoreWeights(saved);
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
    close,
    [Symbol.asyncDispose]: async () => {
      await close();
    },
  };
}
