// The one small interface every live output consumes (k6's way: outputs are consumers of the sample
// stream), and the adapter that turns the store's request and gauge records into k6 metric samples.
import type { Tags } from '../tags';

/** Tags of a sample: the harness's tag names plus any k6 ones (`name`, `status`). */
export type SampleTags = Tags & Record<string, string | undefined>;

/** One consumer of samples. `timeMs` is epoch ms; a trend's value is in ms, a rate's 0 or 1, a counter's its increment. */
export interface SampleSink {
  sample(metric: string, tags: SampleTags, value: number, timeMs: number): void;
  /** Flush and release; called once at the end of the run and on interrupt. Safe to call twice. */
  end(): void | Promise<void>;
}

/** What the metrics store records, as calls: the shape `Metrics.record`, `recordGauge` and drops take. */
export interface RecordListener {
  request(tags: Tags, durationMs: number, failed: boolean, atMs: number): void;
  gauge(metric: string, tags: Tags, value: number, atMs: number): void;
  dropped(tags: Tags, atMs: number): void;
}

/**
 * Expands each record into the k6 metrics of its protocol: a request is `<p>_reqs` 1, `<p>_req_duration`
 * in ms and `<p>_req_failed` 0/1 (p = the `protocol` tag, http when absent), as k6 emits them per request.
 */
export function recordsToSamples(...sinks: SampleSink[]): RecordListener {
  const emit = (metric: string, tags: Tags, value: number, atMs: number) => {
    for (const s of sinks) s.sample(metric, tags, value, atMs);
  };
  return {
    request(tags, durationMs, failed, atMs) {
      const p = tags.protocol === 'grpc' ? 'grpc' : 'http';
      emit(`${p}_reqs`, tags, 1, atMs);
      if (!Number.isNaN(durationMs)) emit(`${p}_req_duration`, tags, durationMs, atMs);
      emit(`${p}_req_failed`, tags, failed ? 1 : 0, atMs);
    },
    gauge: (metric, tags, value, atMs) => emit(metric, tags, value, atMs),
    dropped: (tags, atMs) => emit('dropped_iterations', tags, 1, atMs),
  };
}

/** The metrics store's `onSample` listener shape (metrics/series.ts SampleListener), structurally. */
export type StoreSampleListener = (
  series: { readonly tags: Readonly<Tags> },
  atMs: number,
  outcome: 'ok' | 'failed' | 'dropped',
  durationMs: number,
) => void;

/** Adapts records to the store's sample stream: `metrics.onSample(storeListener(outputs.records))`. */
export function storeListener(records: RecordListener): StoreSampleListener {
  return (series, atMs, outcome, durationMs) => {
    if (outcome === 'dropped') records.dropped(series.tags, atMs);
    else records.request(series.tags, durationMs, outcome === 'failed', atMs);
  };
}
