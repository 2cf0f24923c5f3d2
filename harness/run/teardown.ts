// The run's teardown, every way out: demand weights, no load, outputs closed, the edge's weights restored,
// replicas gone (unless --keep), all within the teardown's time limit; past it the run says what may be left.
import * as path from 'node:path';
import type { ClusterDriver, ClusterSpec } from '../cluster';
import { withinTimeLimit } from '../common';
import { type DrillController, demandWeights } from '../drill';
import type { Metrics } from '../metrics';
import type { DrillEdge } from './edge';
import type { LoadSource } from './load-source';
import type { DrillRunOptions } from './options';
import type { ClusterHolder } from './ports';

/** What the run holds when it ends: anything not started yet is null. */
export interface RunHoldings {
  spec: ClusterSpec;
  runId: string;
  runDir: string;
  driver: ClusterDriver;
  holder: ClusterHolder | null;
  source: LoadSource | null;
  ctrl: DrillController | null;
  edge: DrillEdge | null;
  metrics: Metrics;
  /** Detaches the outputs' sample listener from the metrics store. */
  offSample: () => void;
  outputs: { end(): Promise<void> };
  /** Says how to remove what may be left (`headroom down <cluster file>`). */
  downHint: string;
}

export async function tearDown(
  h: RunHoldings,
  opts: Pick<DrillRunOptions, 'cwd' | 'keep' | 'teardownTimeoutMs' | 'shutdown' | 'logger'>,
): Promise<void> {
  const log = opts.logger;
  const { spec, runId, source, ctrl, edge, holder } = h;
  const teardownMs = opts.teardownTimeoutMs ?? 30_000;
  const down = `headroom down ${path.relative(opts.cwd, spec.file)}`;
  opts.shutdown?.tearingDown(Date.now() + teardownMs);
  const tornDown = await withinTimeLimit(
    (async () => {
      if (source) {
        source.load.setWeights(demandWeights(spec));
        source.load.setRate(0);
        await source.stop().catch((e: unknown) => log.warn(`stopping the load: ${String(e)}`));
      }
      h.metrics.end();
      h.offSample();
      await h.outputs.end().catch((e: unknown) => log.warn(`closing the outputs: ${String(e)}`));
      if (ctrl) await ctrl.stop();
      // The edge's weights found at start go back before anything is torn down (its error says what to run).
      if (edge) await edge.close().catch((e: unknown) => log.warn(e instanceof Error ? e.message : String(e)));
      if (!opts.keep) {
        try {
          if (holder) await holder.current.down();
          const left = await h.driver.down({ runId }); // this run's containers only: never another run's
          log.info(`cluster ${spec.name}: torn down${left ? ` (${left} leftover containers removed)` : ''}`);
        } catch (err) {
          log.warn(
            `tearing the cluster down failed: ${err instanceof Error ? err.message : String(err)}; run \`${down}\``,
          );
        }
      } else if (holder) {
        log.info(`cluster ${spec.name}: kept running (--keep); \`${down}\` removes it`);
      }
    })(),
    teardownMs,
  );
  if (!tornDown)
    log.warn(
      `the teardown did not end within ${teardownMs / 1000} s: ` +
        `the containers of cluster ${spec.name} (run ${runId}) may be left; ${h.downHint}`,
    );
}
