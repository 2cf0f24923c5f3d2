// The truth measured while the drill runs: a twin of the case's replica (the same image, knob and quota, in a
// cluster of its own that the drill never loads) under the separate generator for the drill's whole span,
// cycling through loads around the CPU limit. On a virtual machine that reports no steal time, a request's
// CPU cost moves by 10-35% for a minute at a time with what the host does (docs/accuracy.md); readings taken
// before and after the drill meet other minutes than its probes, the twin's meet the same ones.
import { cpuReading, type TruthTarget } from './measure-truth';
import { cpuShareOf, shareLine, type CpuReading } from './truth';

/**
 * CPU shares of the quota the twin's loads aim at, in turn: around the limit (0.75). Not lower: a high-rate
 * server's CPU per request falls with its rate at low loads (nginx at 0.1 CPU: 0.089 ms at 500 req/s, 0.036 at
 * 2,000; a fixed cost per wake-up), so readings far below the limit would tilt the line.
 */
export const twinShares = [0.6, 0.7, 0.8] as const;

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Loads at `shares` of the quota on the line through the readings so far (least squares), or, with too few
 * readings for a rising line, through the origin and the first reading (which lands the loads low by the share a
 * replica spends at any rate). Without a reading: `[fallbackRps]`.
 */
export function loadsAt(
  readings: readonly CpuReading[],
  cpus: number,
  shares: readonly number[],
  fallbackRps: number,
): number[] {
  const first = readings[0];
  if (!first || first.rps <= 0) return [fallbackRps];
  const perRps = cpuShareOf(first, cpus) / first.rps;
  if (!(perRps > 0)) return [fallbackRps];
  const throughOrigin = shares.map((s) => round1(s / perRps));
  const fit = shareLine(readings, cpus);
  if (!fit) return throughOrigin;
  const onLine = shares.map((s) => round1((s - fit.intercept) / fit.slope));
  // A line through readings close together can aim far off: never beyond 3x the fastest reading, never at nothing.
  const fastest = Math.max(...readings.map((r) => r.rps));
  return onLine.every((x) => x > 0 && x <= 3 * fastest) ? onLine : throughOrigin;
}

/** The twin's loads: its shares of the quota (twinShares), aimed through the readings so far. */
export function twinLoads(readings: readonly CpuReading[], cpus: number, fallbackRps: number): number[] {
  return loadsAt(readings, cpus, twinShares, fallbackRps);
}

export interface TwinLoop {
  /** Ends the loop after its current reading; the readings that ended while it ran (left out: those that fell behind). */
  stop(): Promise<CpuReading[]>;
}

/** A reading whose replica answered under this share of the offered rate fell behind (as in truthReadings). */
const KEPT_UP = 0.95;

/**
 * Readings on the twin, one after the other, at its loads in turn; after each turn the loads are aimed again
 * through every reading so far (`before`: the twin's readings before the drill, which aim the first turn).
 */
export function twinLoop(
  t: TruthTarget,
  before: readonly CpuReading[],
  fallbackRps: number,
  timing: { settleMs: number; windowMs: number },
  onReading?: (r: CpuReading, share: number, offered: number, kept: boolean) => void,
): TwinLoop {
  const kept: CpuReading[] = [];
  let running = true;
  const done = (async () => {
    let loads = twinLoads(before, t.cpus, fallbackRps);
    for (let k = 0; running; k++) {
      if (k > 0 && k % loads.length === 0) loads = twinLoads([...before, ...kept], t.cpus, fallbackRps);
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
