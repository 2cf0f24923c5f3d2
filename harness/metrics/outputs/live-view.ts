// Feeds the Prometheus output from the drill controller's live-view seam (one state per second): the
// step, its phase, offered rate, CPU per pool and guards. Structural types only: metrics/ imports nothing from drill/.
import type { PrometheusOutput } from './prometheus';

/** The part of drill/controller.ts's LiveState this view reads. */
export interface LiveStateLike {
  drill: string;
  step: number;
  phase: 'settle' | 'measure';
  kind: string;
  target: string;
  rateRps: number;
  cpuByPool: Record<string, number | null>;
  guards: { name: string; ok: boolean | null; value: number | null }[];
}

/** The shape of drill/controller.ts's LiveView, with the state narrowed to what is read here. */
export interface LiveViewLike<S extends LiveStateLike = LiveStateLike, R = unknown> {
  readonly live: boolean;
  update(state: S): void;
  stepEnded(record: R): void;
  message(text: string): void;
  close(): void;
}

/**
 * A live view that publishes each state to `prom` and passes everything on to `inner` (the terminal view).
 * It is always live, so the controller computes the state each second even without a TTY.
 */
export function prometheusLiveView<S extends LiveStateLike, R>(
  prom: PrometheusOutput,
  inner?: LiveViewLike<S, R>,
): LiveViewLike<S, R> {
  return {
    live: true,
    update(state) {
      prom.setStep({
        drill: state.drill,
        index: state.step,
        kind: state.kind,
        target: state.target,
        offeredRps: state.rateRps,
      });
      prom.setDrillState(state.phase === 'settle' ? 'settling' : 'measuring');
      for (const [pool, share] of Object.entries(state.cpuByPool)) if (share !== null) prom.setCpuShare(pool, share);
      // A guard not yet evaluated (ok null, inside the guard delay) is shown as holding.
      for (const g of state.guards) prom.setGuard(g.name, state.target, g.ok !== false, g.value);
      if (inner?.live) inner.update(state);
    },
    stepEnded: (record) => inner?.stepEnded(record),
    message: (text) => inner?.message(text),
    close() {
      prom.setDrillState('done');
      inner?.close();
    },
  };
}
