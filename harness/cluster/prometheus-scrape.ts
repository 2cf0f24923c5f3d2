// Resource samples of servers headroom does not manage, from their own Prometheus metrics: the CPU share
// is the growth of process_cpu_seconds_total between two scrapes, over the time between them and the
// server type's declared cpus; memory is process_resident_memory_bytes.
import { request } from 'undici';
import { ClusterError } from '../common';
import type { ResourceSample } from './model';
import { metricSum, parsePromText } from './prometheus-text';

export const cpuMetric = 'process_cpu_seconds_total';
export const memoryMetric = 'process_resident_memory_bytes';

export interface ScrapeTarget {
  replica: string;
  url: string;
  /** The server type's declared cores: a share of 1 is all of them busy. */
  cpus: number;
}

/** What one scrape said; `at` is when its answer arrived (Unix ms). */
export interface ScrapeReading {
  at: number;
  cpuSeconds: number;
  memoryBytes?: number;
}

export type FetchText = (url: string, timeoutMs: number) => Promise<string>;

/** GET url; the body of a 200 answer, else an error saying what came back. */
export const fetchText: FetchText = async (url, timeoutMs) => {
  const res = await request(url, {
    method: 'GET',
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  return body;
};

/** One scrape of one target; throws an Error saying what is wrong (unreachable, not the format, no CPU counter). */
export async function scrape(
  target: ScrapeTarget,
  timeoutMs: number,
  fetch: FetchText = fetchText,
): Promise<ScrapeReading> {
  const text = parsePromText(await fetch(target.url, timeoutMs));
  const at = Date.now();
  const cpuSeconds = metricSum(text, cpuMetric);
  if (cpuSeconds === undefined) throw new Error(`no ${cpuMetric} in its metrics`);
  const memoryBytes = metricSum(text, memoryMetric);
  return { at, cpuSeconds, ...(memoryBytes !== undefined ? { memoryBytes } : {}) };
}

/** The sample of a replica from two readings; undefined when the counter went back (the process restarted). */
export function sampleBetween(
  replica: string,
  cpus: number,
  prev: ScrapeReading,
  now: ScrapeReading,
): ResourceSample | undefined {
  const seconds = (now.at - prev.at) / 1000;
  const used = now.cpuSeconds - prev.cpuSeconds;
  if (used < 0 || seconds <= 0) return undefined;
  return {
    replica,
    at: now.at,
    cpuSeconds: now.cpuSeconds,
    cpuShare: used / (seconds * cpus),
    ...(now.memoryBytes !== undefined ? { memoryMb: now.memoryBytes / (1024 * 1024) } : {}),
  };
}

/**
 * Scrapes every target; `prime()` takes the first readings (and fails, naming the replica and the URL, when a
 * source does not answer as promised), `sample()` one sample per replica that answered, since its last reading.
 */
export class PrometheusSampler {
  private readonly last = new Map<string, ScrapeReading>();

  constructor(
    private readonly targets: ScrapeTarget[],
    private readonly opts: { timeoutMs?: number; fetch?: FetchText } = {},
  ) {}

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? 800;
  }

  async prime(): Promise<void> {
    await Promise.all(
      this.targets.map(async (t) => {
        try {
          this.last.set(t.replica, await scrape(t, Math.max(this.timeoutMs, 5000), this.opts.fetch));
        } catch (err) {
          throw new ClusterError(
            `replica ${t.replica}: its metrics at ${t.url} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
            t.replica,
            undefined,
            `the cluster file's metrics: must point at Prometheus text with ${cpuMetric} (and ${memoryMetric} for memory)`,
          );
        }
      }),
    );
  }

  /** A replica whose scrape failed this time has no sample; its next one spans the gap. */
  async sample(): Promise<ResourceSample[]> {
    const out = await Promise.all(
      this.targets.map(async (t): Promise<ResourceSample | undefined> => {
        const reading = await scrape(t, this.timeoutMs, this.opts.fetch).catch(() => undefined);
        if (!reading) return undefined;
        const prev = this.last.get(t.replica);
        this.last.set(t.replica, reading);
        return prev ? sampleBetween(t.replica, t.cpus, prev, reading) : undefined;
      }),
    );
    return out.filter((s): s is ResourceSample => s !== undefined);
  }
}
