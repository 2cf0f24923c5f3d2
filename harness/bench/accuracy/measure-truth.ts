// Ground-truth readings on one running replica: the separate generator holds a load, the cgroup's CPU
// time is read at both ends of a window, and the answers in between give the rate. The first load
// comes from the case's a-priori guess; the next ones are placed at chosen CPU shares from it.
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupCpuUsec } from '../../cluster';
import { fixedRateLoad } from './generator';
import { cpuShareOf, type CpuReading } from './truth';

export interface TruthTarget {
  /** http://127.0.0.1:port of the replica. */
  http: string;
  containerId: string;
  /** The replica's CPU quota, cores. */
  cpus: number;
  /** The path of the generator's i-th request: the case's own request (cases.ts requestPath). */
  path: (i: number) => string;
}

export interface TruthPlan {
  /** First load, req/s: a guess well below the redline. */
  firstRps: number;
  /** CPU shares of the quota the later loads aim at (from the first reading's CPU per request). */
  shares: readonly number[];
  settleMs: number;
  windowMs: number;
  /**
   * Warm-up before the first reading, not measured: load at 1.6x the first rate until the replica's CPU per
   * request is steady, at least `warmupMs` (0: no warm-up) and at most `maxWarmupMs`. A fresh replica is not
   * warm for minutes: its compilers and collector spend CPU beside the requests. With a fixed 20 s warm-up the
   * first readings cost 0-44% more CPU per request than the readings after the drill (3.56 against 2.47 ms at
   * FEED_CPU_MS 2), and the truth moved between them by up to 23%.
   */
  warmupMs?: number;
  /** Upper bound of the warm-up (default 180 s). */
  maxWarmupMs?: number;
}

/** How steady "steady" is: the CPU per request of the last three windows within this share of the three before. */
const STEADY = 0.03;

/** One window at a fixed rate: the rate the replica answered (2xx) and its CPU time over the window. */
export async function cpuReading(t: TruthTarget, rps: number, settleMs: number, windowMs: number): Promise<CpuReading> {
  const load = fixedRateLoad(t.http, t.path, rps);
  try {
    await sleep(settleMs);
    const c0 = load.counts().ok;
    const t0 = performance.now();
    const u0 = await cgroupCpuUsec(t.containerId);
    await sleep(windowMs);
    const u1 = await cgroupCpuUsec(t.containerId);
    const t1 = performance.now();
    const c1 = load.counts().ok;
    const seconds = (t1 - t0) / 1000;
    return { rps: (c1 - c0) / seconds, usageStartUs: u0, usageEndUs: u1, seconds };
  } finally {
    await load.stop();
  }
}

/**
 * Waits (at most maxMs) until the replica is idle: under `belowShare` of its quota over one second. An
 * overloaded replica keeps working off its queue after its load stops; that CPU is not the next reading's.
 */
export async function untilIdle(t: TruthTarget, belowShare = 0.1, maxMs = 30_000): Promise<boolean> {
  const end = performance.now() + maxMs;
  while (performance.now() < end) {
    const u0 = await cgroupCpuUsec(t.containerId);
    const t0 = performance.now();
    await sleep(1000);
    const share = (await cgroupCpuUsec(t.containerId)) - u0;
    if (share / ((performance.now() - t0) * 1000 * t.cpus) < belowShare) return true;
  }
  return false;
}

export interface WarmUp {
  rps: number;
  ms: number;
  /** CPU ms per request of each window, in order. */
  msPerRequest: number[];
  steady: boolean;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Holds `rps` in windows of the plan's length until the CPU per request of the last three windows is within
 * STEADY of the three before (and `warmupMs` has passed), or `maxWarmupMs` is up.
 */
async function warmUp(t: TruthTarget, rps: number, plan: TruthPlan, onWarm?: (w: WarmUp) => void): Promise<WarmUp> {
  const load = fixedRateLoad(t.http, t.path, rps);
  const start = performance.now();
  const msPerRequest: number[] = [];
  try {
    let u0 = await cgroupCpuUsec(t.containerId);
    let c0 = load.counts().ok;
    for (;;) {
      await sleep(plan.windowMs);
      const u1 = await cgroupCpuUsec(t.containerId);
      const c1 = load.counts().ok;
      if (c1 > c0) msPerRequest.push((u1 - u0) / 1000 / (c1 - c0));
      [u0, c0] = [u1, c1];
      const ms = performance.now() - start;
      const n = msPerRequest.length;
      const steady =
        n >= 6 && Math.abs(mean(msPerRequest.slice(n - 3)) / mean(msPerRequest.slice(n - 6, n - 3)) - 1) <= STEADY;
      if ((steady && ms >= (plan.warmupMs ?? 0)) || ms >= (plan.maxWarmupMs ?? 180_000)) {
        const w = { rps, ms, msPerRequest, steady };
        onWarm?.(w);
        return w;
      }
    }
  } finally {
    await load.stop();
  }
}

/** A reading whose replica answered under this share of the offered rate fell behind (starved or saturated). */
const KEPT_UP = 0.95;

/**
 * Readings at the plan's loads, in order; `onReading` sees each one as it ends. A reading at which the
 * replica fell behind its load is left out: its CPU share flattens at what it could get and would bend the line.
 */
export async function truthReadings(
  t: TruthTarget,
  plan: TruthPlan,
  onReading?: (r: CpuReading, share: number, offered: number, kept: boolean) => void,
  onWarm?: (w: WarmUp) => void,
): Promise<CpuReading[]> {
  if (plan.warmupMs) await warmUp(t, Math.round(plan.firstRps * 16) / 10, plan, onWarm);
  await untilIdle(t);
  const readings: CpuReading[] = [];
  const take = async (rps: number) => {
    const r = await cpuReading(t, rps, plan.settleMs, plan.windowMs);
    const kept = r.rps >= KEPT_UP * rps;
    onReading?.(r, cpuShareOf(r, t.cpus), rps, kept);
    if (kept) readings.push(r);
    else await untilIdle(t);
    return r;
  };
  const first = await take(plan.firstRps);
  // Share per req/s through the origin: over-estimates the slope by the idle share, so the loads land a bit low.
  const perRps = cpuShareOf(first, t.cpus) / first.rps;
  for (const share of plan.shares) await take(Math.round((share / perRps) * 10) / 10);
  return readings;
}
