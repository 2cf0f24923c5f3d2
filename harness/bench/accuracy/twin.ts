// The truth measured while the drill runs: a twin of the case's replica (the same image, knob and quota, in a
// cluster of its own that the drill never loads) under the separate generator for the drill's whole span,
// cycling through loads around the CPU limit. On a virtual machine that reports no steal time, a request's
// CPU cost moves by 10-35% for a minute at a time with what the host does (docs/accuracy.md); readings taken
// before and after the drill meet other minutes than its probes, the twin's meet the same ones.
import { cpuReading, type TruthTarget } from './measure-truth';
import { cpuShareOf, type CpuReading } from './truth';

/** CPU shares of the quota the twin's loads aim at, in turn. */
export const twinShares = [0.5, 0.65, 0.8] as const;

/**
 * The twin's loads: `shares` of the quota at the CPU per request of its first reading (through the origin, as
 * truthReadings places its loads; the idle share makes them land a bit low). Without a reading: `fallbackRps`.
 */
export function twinLoads(readings: readonly CpuReading[], cpus: number, fallbackRps: number): number[] {
  const first = readings[0];
  if (!first || first.rps <= 0) return [fallbackRps];
  const perRps = cpuShareOf(first, cpus) / first.rps;
  if (!(perRps > 0)) return [fallbackRps];
  return twinShares.map((s) => Math.round((s / perRps) * 10) / 10);
}

export interface TwinLoop {
  /** Ends the loop after its current reading; the readings that ended while it ran (left out: those that fell behind). */
  stop(): Promise<CpuReading[]>;
}

/** A reading whose replica answered under this share of the offered rate fell behind (as in truthReadings). */
const KEPT_UP = 0.95;

export function twinLoop(
  t: TruthTarget,
  loads: readonly number[],
  timing: { settleMs: number; windowMs: number },
  onReading?: (r: CpuReading, share: number, offered: number, kept: boolean) => void,
): TwinLoop {
  const kept: CpuReading[] = [];
  let running = true;
  const done = (async () => {
    for (let k = 0; running; k++) {
      const rps = loads[k % loads.length];
      const r = await cpuReading(t, rps, timing.settleMs, timing.windowMs);
      // A reading that ended after stop() covers time past the drill: not the drill's span.
      if (!running) break;
      const ok = r.rps >= KEPT_UP * rps;
      onReading?.(r, cpuShareOf(r, t.cpus), rps, ok);
      if (ok) kept.push(r);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return kept;
    },
  };
}
