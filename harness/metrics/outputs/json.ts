// `--out json=FILE`: every sample as a line of k6's NDJSON point format: a `Metric` line the first time
// a metric appears, then `Point` lines. Buffered, bounded memory, flushed at end and on process exit.
import * as fs from 'node:fs';
import { metricTypes } from '../catalog';
import type { SampleSink, SampleTags } from './sink';

export interface JsonOutputOptions {
  /** Flush when the buffer holds this many bytes (default 64 KiB): memory stays bounded at any rate. */
  bufferBytes?: number;
  /** Also flush this often, so `tail -f` sees a slow run (default 1000 ms; 0 = only by size and at end). */
  flushEveryMs?: number;
  /** Threshold expressions per metric, written in its `Metric` line as k6 does. */
  thresholds?: Record<string, string[]>;
}

export class JsonOutput implements SampleSink {
  private fd: number | null;
  private buffer: string[] = [];
  private bytes = 0;
  private readonly declared = new Set<string>();
  private readonly timer: NodeJS.Timeout | null;
  private readonly bufferBytes: number;
  // Writes are synchronous, so an exit (Ctrl-C after the run stopped, a crash) can still flush.
  private readonly onExit = () => this.flush();

  constructor(
    readonly file: string,
    private readonly opts: JsonOutputOptions = {},
  ) {
    this.fd = fs.openSync(file, 'w');
    this.bufferBytes = opts.bufferBytes ?? 64 * 1024;
    const every = opts.flushEveryMs ?? 1000;
    this.timer = every > 0 ? setInterval(() => this.flush(), every) : null;
    this.timer?.unref();
    process.once('exit', this.onExit);
  }

  sample(metric: string, tags: SampleTags, value: number, timeMs: number): void {
    if (this.fd === null) return;
    if (!this.declared.has(metric)) {
      this.declared.add(metric);
      const type = metricTypes[metric] ?? 'gauge'; // a metric the catalog does not know is a gauge, as in k6
      this.push(
        JSON.stringify({
          type: 'Metric',
          data: {
            type,
            contains: type === 'trend' ? 'time' : 'default',
            tainted: null,
            thresholds: this.opts.thresholds?.[metric] ?? [],
            submetrics: null,
          },
          metric,
        }),
      );
    }
    this.push(
      JSON.stringify({
        type: 'Point',
        data: { time: new Date(timeMs).toISOString(), value, tags: cleanTags(tags) },
        metric,
      }),
    );
  }

  /** Writes what is buffered. */
  flush(): void {
    if (this.fd === null || this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.bytes = 0;
  }

  end(): void {
    if (this.fd === null) return;
    this.flush();
    if (this.timer) clearInterval(this.timer);
    process.off('exit', this.onExit);
    fs.closeSync(this.fd);
    this.fd = null;
  }

  private push(line: string): void {
    this.buffer.push(line, '\n');
    this.bytes += line.length + 1;
    if (this.bytes >= this.bufferBytes) this.flush();
  }
}

/** k6 writes `null` for no tags and never an undefined value. */
function cleanTags(tags: SampleTags): Record<string, string> | null {
  const out: Record<string, string> = {};
  let any = false;
  for (const k in tags) {
    const v = tags[k];
    if (v === undefined) continue;
    out[k] = v;
    any = true;
  }
  return any ? out : null;
}
