// Opens the outputs a run asked for (`--out json=FILE`, `--out prometheus[=ADDR]`) as one record listener
// and one end(): the composition root attaches `records` to the metrics store and calls end() in its finally.
import * as path from 'node:path';
import { ConfigError } from '../../common';
import { JsonOutput } from './json';
import type { OutSpec } from './out-flag';
import { PrometheusOutput } from './prometheus';
import { recordsToSamples, storeListener } from './sink';
import type { RecordListener, SampleSink, StoreSampleListener } from './sink';

export interface OpenOutputs {
  records: RecordListener;
  /** For the store: `metrics.onSample(outputs.sampleListener)` (requests and drops; gauges go through records.gauge). */
  sampleListener: StoreSampleListener;
  sinks: SampleSink[];
  /** Present with `--out prometheus`: feed it the step, drill and guard state (see prometheusLiveView). */
  prometheus?: PrometheusOutput;
  /** Where the endpoint listens, for the run's first log line. */
  prometheusUrl?: string;
  /** Flushes the JSON file and stops the endpoint; safe to call twice, also after an interrupt. */
  end(): Promise<void>;
}

export async function openOutputs(
  specs: OutSpec[],
  cwd: string,
  opts: { thresholds?: Record<string, string[]> } = {},
): Promise<OpenOutputs> {
  const sinks: SampleSink[] = [];
  let prometheus: PrometheusOutput | undefined;
  let prometheusUrl: string | undefined;
  const end = async () => {
    for (const s of sinks) await s.end();
  };
  try {
    for (const spec of specs) {
      if (spec.kind === 'json') sinks.push(jsonOutput(path.resolve(cwd, spec.file), opts.thresholds));
      else {
        prometheus = new PrometheusOutput();
        sinks.push(prometheus);
        prometheusUrl = (await prometheus.listen(spec.address)).url;
      }
    }
  } catch (err) {
    await end();
    throw err;
  }
  const records = recordsToSamples(...sinks);
  return { records, sampleListener: storeListener(records), sinks, prometheus, prometheusUrl, end };
}

/** A file that cannot be opened is a bad flag value (exit 104), said before any load starts. */
function jsonOutput(file: string, thresholds?: Record<string, string[]>): JsonOutput {
  try {
    return new JsonOutput(file, { thresholds });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError('argv', '--out', `json=${file}: cannot write it (${e.code ?? e.message})`);
  }
}
