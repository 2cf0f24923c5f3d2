// `--out prometheus[=ADDR]`: an OpenMetrics endpoint (prom-client) served during a drill: offered and
// achieved rate, latency histograms and errors per dc/pool/endpoint, CPU share per pool, the current
// step, the drill's state and each guard's state. Its own registry: no global, two runs never mix.
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Counter, Gauge, Histogram, OpenMetricsContentType, Registry } from 'prom-client';
import { ConfigError } from '../../common';
import type { SampleSink, SampleTags } from './sink';

// Loaded when an output is made or served: prom-client (and the OpenTelemetry API it pulls in) and node:http
// cost ~70 ms of every CLI start, `headroom load` included.
const promClient = () => require('prom-client') as typeof import('prom-client');
const nodeHttp = () => require('node:http') as typeof import('node:http');

export const defaultPrometheusAddress = '127.0.0.1:9464';

/** The states a drill goes through, exposed one-hot as `headroom_drill_state{state}`. */
export const drillStates = ['idle', 'settling', 'measuring', 'backing-off', 'cooldown', 'done', 'stopped'] as const;
export type DrillState = (typeof drillStates)[number];

export interface StepInfo {
  drill: string;
  /** The step's index in the run (the `step` tag of its samples). */
  index: number;
  kind: string;
  target: string;
  /** Total offered rate of the step, req/s. */
  offeredRps: number;
}

const requestLabels = ['dc', 'pool', 'endpoint', 'protocol'] as const;
type Labels = Record<(typeof requestLabels)[number], string>;

/** Parses `host:port` or `[v6]:port`; a bare port means 127.0.0.1. */
export function parseAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535))
    throw new ConfigError(
      'argv',
      '--out prometheus',
      `got '${text}'; expected ADDR as host:port, e.g. ${defaultPrometheusAddress}`,
    );
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

export class PrometheusOutput implements SampleSink {
  readonly registry: Registry<OpenMetricsContentType>;
  private readonly requests: Counter<(typeof requestLabels)[number]>;
  private readonly errors: Counter<(typeof requestLabels)[number]>;
  private readonly dropped: Counter<'dc' | 'pool'>;
  private readonly latency: Histogram<(typeof requestLabels)[number]>;
  private readonly offered: Gauge;
  private readonly achieved: Gauge;
  private readonly cpu: Gauge<'pool'>;
  private readonly step: Gauge<'drill' | 'step' | 'kind' | 'target'>;
  private readonly state: Gauge<'state'>;
  private readonly guardOk: Gauge<'guard' | 'target'>;
  private readonly guardValue: Gauge<'guard' | 'target'>;
  /** Children by tag key: prom-client hashes labels on every call otherwise. */
  private readonly children = new Map<
    string,
    {
      labels: Labels;
      req: Counter.Internal;
      err: Counter.Internal;
      lat: Histogram.Internal<(typeof requestLabels)[number]>;
    }
  >();
  private second = -1;
  private countThisSecond = 0;
  private server: http.Server | null = null;

  constructor() {
    const { Counter, Gauge, Histogram, Registry } = promClient();
    this.registry = new Registry<OpenMetricsContentType>();
    const registers = [this.registry];
    const labelNames = [...requestLabels];
    this.requests = new Counter({
      name: 'headroom_requests',
      help: 'Requests completed (k6 http_reqs + grpc_reqs)',
      labelNames,
      registers,
    });
    this.errors = new Counter({
      name: 'headroom_request_errors',
      help: 'Requests failed (k6 *_req_failed)',
      labelNames,
      registers,
    });
    this.dropped = new Counter({
      name: 'headroom_dropped_iterations',
      help: 'Arrivals dropped at the in-flight cap',
      labelNames: ['dc', 'pool'],
      registers,
    });
    this.latency = new Histogram({
      name: 'headroom_request_duration_seconds',
      help: 'Latency from the intended send time (no coordinated omission)',
      labelNames,
      registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.offered = new Gauge({
      name: 'headroom_offered_rps',
      help: 'Total arrival rate of the current step, req/s',
      registers,
    });
    this.achieved = new Gauge({
      name: 'headroom_achieved_rps',
      help: 'Requests completed in the last whole second',
      registers,
    });
    this.cpu = new Gauge({
      name: 'headroom_cpu_share',
      help: "A pool's CPU use as a share of its quota (0..1)",
      labelNames: ['pool'],
      registers,
    });
    this.step = new Gauge({
      name: 'headroom_step',
      help: 'The current step: its index as value, its drill, kind and target as labels',
      labelNames: ['drill', 'step', 'kind', 'target'],
      registers,
    });
    this.state = new Gauge({
      name: 'headroom_drill_state',
      help: 'The drill state, one-hot',
      labelNames: ['state'],
      registers,
    });
    this.guardOk = new Gauge({
      name: 'headroom_guard_ok',
      help: '1 while a guard holds on its target, 0 once breached',
      labelNames: ['guard', 'target'],
      registers,
    });
    this.guardValue = new Gauge({
      name: 'headroom_guard_value',
      help: "A guard's last measured value on its target",
      labelNames: ['guard', 'target'],
      registers,
    });
    this.registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    this.setDrillState('idle');
  }

  sample(metric: string, tags: SampleTags, value: number, timeMs: number): void {
    if (metric === 'http_reqs' || metric === 'grpc_reqs') {
      this.child(tags).req.inc(value);
      this.countSecond(timeMs, value);
    } else if (metric === 'http_req_duration' || metric === 'grpc_req_duration')
      this.child(tags).lat.observe(value / 1000);
    else if (metric === 'http_req_failed' || metric === 'grpc_req_failed') {
      if (value) this.child(tags).err.inc(value);
    } else if (metric === 'dropped_iterations') this.dropped.inc({ dc: tags.dc ?? '', pool: tags.pool ?? '' }, value);
    else if (metric === 'cpu_share' && tags.pool) this.cpu.set({ pool: tags.pool }, value);
  }

  setStep(step: StepInfo): void {
    this.step.reset();
    this.step.set({ drill: step.drill, step: String(step.index), kind: step.kind, target: step.target }, step.index);
    this.offered.set(step.offeredRps);
  }

  setDrillState(state: DrillState): void {
    for (const s of drillStates) this.state.set({ state: s }, s === state ? 1 : 0);
    if (state === 'idle' || state === 'done' || state === 'stopped') this.offered.set(0);
  }

  setGuard(guard: string, target: string, ok: boolean, value?: number | null): void {
    this.guardOk.set({ guard, target }, ok ? 1 : 0);
    if (value !== undefined && value !== null) this.guardValue.set({ guard, target }, value);
  }

  setCpuShare(pool: string, share: number): void {
    this.cpu.set({ pool }, share);
  }

  /** The exposition text and its content type (OpenMetrics). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Serves `/metrics` on ADDR until `end()`; returns the bound address (port 0 picks a free one). */
  async listen(address = defaultPrometheusAddress): Promise<{ host: string; port: number; url: string }> {
    const { host, port } = parseAddress(address);
    const server = nodeHttp().createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; scrape /metrics\n');
        return;
      }
      this.scrape().then(
        (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
        (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new ConfigError(
            'argv',
            '--out prometheus',
            `cannot listen on ${address}: ${err.code ?? err.message}`,
            'give a free port: --out prometheus=127.0.0.1:PORT',
          ),
        ),
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const bound = server.address() as AddressInfo;
    const shown = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
    return { host: bound.address, port: bound.port, url: `http://${shown}:${bound.port}/metrics` };
  }

  async end(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private child(tags: SampleTags) {
    const labels: Labels = {
      dc: tags.dc ?? '',
      pool: tags.pool ?? '',
      endpoint: tags.endpoint ?? '',
      protocol: tags.protocol ?? 'http',
    };
    const key = `${labels.dc}\u0001${labels.pool}\u0001${labels.endpoint}\u0001${labels.protocol}`;
    let c = this.children.get(key);
    if (!c) {
      c = {
        labels,
        req: this.requests.labels(labels),
        err: this.errors.labels(labels),
        lat: this.latency.labels(labels),
      };
      // Errors show as 0 from the first request, so rate() over them is defined.
      c.err.inc(0);
      this.children.set(key, c);
    }
    return c;
  }

  /** The achieved rate: completions in the last whole second, published when the next second starts. */
  private countSecond(timeMs: number, n: number): void {
    const sec = Math.floor(timeMs / 1000);
    if (sec > this.second) {
      if (this.second >= 0) this.achieved.set(sec === this.second + 1 ? this.countThisSecond : 0);
      this.second = sec;
      this.countThisSecond = 0;
    }
    if (sec === this.second) this.countThisSecond += n;
  }
}
