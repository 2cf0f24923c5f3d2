// The redline section's charts: latency and CPU against load per replica for each redline search
// or sweep, with the guard, the redline, its 95% interval, the knee and the CPU-per-request fit.
import type { RedlineResult, StepRecord, Summary } from '../results';
import { fitCpuPerRequest, knee, redlineIntervalOf, type CpuFit } from '../capacity';
import { metricTypes, parseExpression } from '../metrics';
import type { ChartSpec, DatasetSpec, SectionSpec } from './page-spec';
import { colorOf, guardRed, ink, niceCeil, num, pct, r, slug, typeColors } from './view-format';

export interface RedlineView {
  drill: string;
  serverType: string;
  pool: string;
  fit: CpuFit | null;
  knee: number | null;
}

/** Latency guards (`p(NN)<N` on a duration, a trend in ms) as horizontal lines. */
export function latencyGuards(steps: StepRecord[]): { name: string; ms: number }[] {
  const seen = new Map<string, number>();
  for (const s of steps) {
    for (const g of s.guards ?? []) {
      const e = parseExpression(g.expression);
      const below = e?.aggregation.kind === 'p' && (e.op === '<' || e.op === '<=') && e.value >= 0;
      if (below && metricTypes[g.metric] === 'trend') seen.set(g.name, e.value);
    }
  }
  return [...seen].map(([name, ms]) => ({ name, ms }));
}

const probeRate = (s: StepRecord) => s.offeredRpsPerReplica ?? s.targetFigures.rpsPerReplica;

const cpuSaturation = 0.95;
const cpuProbes = (steps: StepRecord[]) =>
  steps.filter((s) => s.targetFigures.cpuShare !== null && s.targetFigures.cpuShare < cpuSaturation);

/** The probes of one redline result: one drill can search several server types (`serverTypes: 'all'`). */
export function probesOf(res: RedlineResult, steps: StepRecord[]): StepRecord[] {
  return steps.filter(
    (s) =>
      s.drill === res.drill &&
      (s.kind === 'redline' || s.kind === 'sweep') &&
      (s.target?.name === res.pool || (s.target?.kind !== 'pool' && s.serverType === res.serverType)),
  );
}

export function viewOf(views: RedlineView[], res: RedlineResult): RedlineView | undefined {
  return views.find((v) => v.drill === res.drill && v.pool === res.pool && v.serverType === res.serverType);
}

export function redlineViews(summary: Summary, steps: StepRecord[]): RedlineView[] {
  return [...summary.redlines, ...summary.sweeps].map((res) => {
    const own = probesOf(res, steps);
    const cpus = summary.cluster.serverTypes[res.serverType]?.cpus ?? 1;
    // CPU against the throughput achieved; a probe whose CPU hit its quota says nothing of the cost
    // per request, but one that broke a latency guard below it still does.
    const fit = fitCpuPerRequest(
      cpuProbes(own).map((s) => ({ rps: s.targetFigures.rpsPerReplica, cpuShare: s.targetFigures.cpuShare, cpus })),
    );
    return {
      drill: res.drill,
      serverType: res.serverType,
      pool: res.pool,
      fit,
      knee: knee(own.map((s) => ({ rps: probeRate(s), p99Ms: s.targetFigures.p99Ms }))),
    };
  });
}

/** What both charts of one redline result share: its probes by rate, the x axis, the interval. */
interface ChartFrame {
  summary: Summary;
  res: RedlineResult;
  own: StepRecord[];
  view: RedlineView;
  typeColor: string;
  base: string;
  sorted: StepRecord[];
  xMax: number;
  interval: [number, number] | null;
}

/** The redline's 95% interval as a shaded band across the whole height of a chart. */
function intervalBand(interval: [number, number] | null, y0: number, y1: number): DatasetSpec[] {
  return interval
    ? [
        {
          label: `95% interval ${num(interval[0], 1)}–${num(interval[1], 1)} req/s`,
          type: 'scatter',
          showLine: true,
          fill: 'shape',
          color: '#3b6ea833',
          pointRadius: 0,
          data: [
            { x: interval[0], y: y0 },
            { x: interval[1], y: y0 },
            { x: interval[1], y: y1 },
            { x: interval[0], y: y1 },
            { x: interval[0], y: y0 },
          ],
        },
      ]
    : [];
}

/** p50, p99, the breached probes and a line per latency guard. */
function latencyDatasets(f: ChartFrame): DatasetSpec[] {
  const { sorted, typeColor, xMax } = f;
  return [
    {
      label: 'p50 (ms)',
      type: 'scatter',
      showLine: true,
      color: '#8fb8d8',
      data: sorted.map((s) => ({ x: probeRate(s), y: s.targetFigures.p50Ms })),
      pointRadius: 3,
    },
    {
      label: 'p99 (ms)',
      type: 'scatter',
      showLine: true,
      color: typeColor,
      data: sorted.map((s) => ({ x: probeRate(s), y: s.targetFigures.p99Ms })),
      pointRadius: 4,
    },
    {
      label: 'breached probes (p99)',
      type: 'scatter',
      color: guardRed,
      // A faulted probe (a replica marked out or in) is the cluster's failure, not a breach.
      data: sorted
        .filter((s) => s.verdict !== 'held' && s.verdict !== 'faulted')
        .map((s) => ({ x: probeRate(s), y: s.targetFigures.p99Ms })),
      pointRadius: 6,
    },
    ...latencyGuards(f.own).map((g) => ({
      label: `guard ${g.name}`,
      type: 'scatter' as const,
      showLine: true,
      dashed: true,
      color: guardRed,
      pointRadius: 0,
      data: [
        { x: 0, y: g.ms },
        { x: xMax, y: g.ms },
      ],
    })),
  ];
}

/** Latency (log scale) against load per replica: p50, p99, the guards, the redline with its band, the knee. */
function latencyChart(f: ChartFrame): ChartSpec {
  const { res, own, view, sorted } = f;
  const p99s = sorted.map((s) => s.targetFigures.p99Ms).filter((v): v is number => v !== null);
  const p50s = sorted.map((s) => s.targetFigures.p50Ms).filter((v): v is number => v !== null);
  const guards = latencyGuards(own);
  const yLow = Math.max(0.1, Math.min(...p50s, ...p99s, ...guards.map((g) => g.ms)) * 0.7);
  const yHigh = Math.max(...p99s, ...guards.map((g) => g.ms)) * 1.4;
  const datasets = latencyDatasets(f);
  if (res.rpsPerReplica !== null) {
    datasets.push({
      label: `redline ${num(res.rpsPerReplica)} req/s`,
      type: 'scatter',
      showLine: true,
      color: ink,
      pointRadius: 0,
      dashed: false,
      data: [
        { x: res.rpsPerReplica, y: yLow },
        { x: res.rpsPerReplica, y: yHigh },
      ],
    });
    datasets.push(...intervalBand(f.interval, yLow, yHigh));
  }
  if (view.knee !== null) {
    datasets.push({
      label: `knee ${num(view.knee)} req/s`,
      type: 'scatter',
      showLine: true,
      color: '#9aa5b1',
      dashed: true,
      pointRadius: 0,
      data: [
        { x: view.knee, y: yLow },
        { x: view.knee, y: yHigh },
      ],
    });
  }
  return {
    id: `${f.base}-latency`,
    title: `${res.serverType}: latency against load per replica`,
    note: `${res.method === 'sweep' ? 'Sweep' : 'Redline search'} '${res.drill}' on ${res.pool}. Redline ${res.rpsPerReplica === null ? 'not found: the lowest probe broke a guard' : `${num(res.rpsPerReplica)} req/s per replica, limited by ${res.limitedBy}`}.`,
    type: 'scatter',
    datasets,
    x: { title: 'req/s per replica', min: 0, max: f.xMax },
    y: { title: 'latency (ms, log scale)', type: 'logarithmic', min: yLow, max: yHigh },
    table: {
      columns: ['probe', 'phase', 'req/s per replica', 'p50 ms', 'p99 ms', 'errors', 'verdict'],
      rows: own.map((s, i) => [
        i + 1,
        s.search?.phase ?? s.kind,
        r(probeRate(s)),
        r(s.targetFigures.p50Ms),
        r(s.targetFigures.p99Ms),
        pct(s.targetFigures.errorRate, 2),
        s.verdict,
      ]),
    },
  };
}

/** CPU share against the load achieved: the probes, the CPU-per-request fit, the redline with its band. */
function cpuChart(f: ChartFrame): ChartSpec {
  const { summary, res, own, sorted, xMax } = f;
  const fit = f.view.fit;
  const cpus = summary.cluster.serverTypes[res.serverType]?.cpus ?? 1;
  const fitted = (x: number) => (fit ? fit.interceptShare + (x * fit.cpuMsPerRequest) / (cpus * 1000) : null);
  const cpuDatasets: DatasetSpec[] = [
    {
      label: 'CPU share of quota',
      type: 'scatter',
      color: f.typeColor,
      pointRadius: 4,
      data: sorted.map((s) => ({ x: s.targetFigures.rpsPerReplica, y: s.targetFigures.cpuShare })),
    },
  ];
  if (fit)
    cpuDatasets.push({
      label: `fit: ${fit.cpuMsPerRequest.toFixed(2)} ms CPU per request`,
      type: 'scatter',
      showLine: true,
      dashed: true,
      color: ink,
      pointRadius: 0,
      data: [
        { x: 0, y: fitted(0) },
        { x: xMax, y: fitted(xMax) },
      ],
    });
  if (res.rpsPerReplica !== null)
    cpuDatasets.push(
      {
        label: 'redline',
        type: 'scatter',
        showLine: true,
        color: '#9aa5b1',
        pointRadius: 0,
        data: [
          { x: res.rpsPerReplica, y: 0 },
          { x: res.rpsPerReplica, y: 1 },
        ],
      },
      ...intervalBand(f.interval, 0, 1),
    );
  return {
    id: `${f.base}-cpu`,
    title: `${res.serverType}: CPU against load per replica`,
    note: fit
      ? `Least-squares fit of CPU against the req/s achieved, over the ${cpuProbes(own).length} probes below ${pct(cpuSaturation, 0)} CPU: ${fit.cpuMsPerRequest.toFixed(3)} ms of CPU per request, ${pct(fit.interceptShare)} of quota at rest, r² ${fit.r2.toFixed(3)}. Quota ${cpus} CPU.`
      : 'Too few probes with CPU figures to fit a line.',
    type: 'scatter',
    datasets: cpuDatasets,
    x: { title: 'req/s per replica (achieved)', min: 0, max: xMax },
    y: { title: 'CPU share of quota', min: 0, max: 1.05, percent: true },
    table: {
      columns: ['req/s per replica (achieved)', 'CPU', 'fitted CPU', 'CPU ms/request'],
      rows: sorted.map((s) => [
        r(s.targetFigures.rpsPerReplica),
        pct(s.targetFigures.cpuShare),
        pct(fitted(s.targetFigures.rpsPerReplica)),
        r(s.targetFigures.cpuMsPerRequest, 3),
      ]),
    },
  };
}

function redlineCharts(
  summary: Summary,
  res: RedlineResult,
  own: StepRecord[],
  view: RedlineView,
  typeColor: string,
  base: string,
): ChartSpec[] {
  const sorted = [...own].sort((a, b) => probeRate(a) - probeRate(b));
  const xs = sorted.map(probeRate);
  const interval = res.rpsPerReplica === null ? null : redlineIntervalOf(res);
  const xMax = niceCeil(Math.max(...xs, res.rpsPerReplica ?? 0, interval?.[1] ?? 0) * 1.05);
  const frame: ChartFrame = { summary, res, own, view, typeColor, base, sorted, xMax, interval };
  return [latencyChart(frame), cpuChart(frame)];
}

/** The redlines section: a row per redline search or sweep, with its latency and CPU charts; null when the run measured none. */
export function redlinesSection(
  summary: Summary,
  steps: StepRecord[],
  views: RedlineView[],
  types: string[],
): SectionSpec | null {
  const measured = [...summary.redlines, ...summary.sweeps];
  if (!measured.length) return null;
  return {
    id: 'redlines',
    title: 'Redlines',
    intro:
      'Per server type, the highest load per replica at which every guard held. Latency uses a log scale; the dashed red line is the guard, the dark vertical line the redline.',
    tables: [
      {
        title: 'Redline per drill',
        columns: [
          'drill',
          'method',
          'type',
          'pool',
          'req/s per replica',
          '95% interval',
          'limited by',
          'p99 ms',
          'CPU ms/request (fit)',
          'r²',
          'knee req/s',
          'probes',
          'ended by',
          'cost per request during the search',
        ],
        rows: measured.map((res) => {
          const v = viewOf(views, res);
          const i = res.rpsPerReplica === null ? null : redlineIntervalOf(res);
          const extra = res as RedlineResult & { method?: string; samples?: number; note?: string };
          return [
            res.drill,
            extra.method ?? res.method,
            res.serverType,
            res.pool,
            r(res.rpsPerReplica),
            i ? `${num(i[0], 1)}–${num(i[1], 1)}${extra.samples ? ` (${extra.samples} samples)` : ''}` : '–',
            res.limitedBy,
            r(res.p99Ms),
            r(v?.fit?.cpuMsPerRequest, 3),
            r(v?.fit?.r2, 3),
            r(v?.knee ?? null),
            res.probes,
            endedByText(res),
            driftText(res),
          ];
        }),
      },
    ],
    charts: measured.flatMap((res) =>
      redlineCharts(
        summary,
        res,
        probesOf(res, steps),
        viewOf(views, res)!,
        colorOf(types, typeColors, res.serverType),
        // One drill may have searched several server types: then the type names the chart too.
        slug(measured.filter((m) => m.drill === res.drill).length > 1 ? `${res.drill}-${res.serverType}` : res.drill),
      ),
    ),
  };
}

/** What ended a redline's search, with the half-width it reached. */
function endedByText(res: RedlineResult): string {
  const half = res.halfWidth === undefined ? '' : ` (±${num(res.halfWidth * 100, 1)}%)`;
  switch (res.endedBy) {
    case 'precision':
      return `precision reached${half}`;
    case 'budget':
      return `time budget spent${half}`;
    case 'drift':
      return `cost moved${half}`;
    case 'no-redline':
      return 'no redline';
    default:
      return '–';
  }
}

/** How the cost per request moved while the probes ran: a drift that counts says so loudly. */
function driftText(res: RedlineResult): string {
  const d = res.drift;
  if (!d) return 'not measured';
  const pct = `${d.change >= 0 ? '+' : ''}${num(d.change * 100, 0)}%`;
  if (!d.significant) return `steady (${pct}, within noise)`;
  return `DRIFT: moved ${pct} ${d.atS} s into the search; redline about ${num(d.fromRps ?? null, 1)} before, ${num(d.toRps ?? null, 1)} after: interval widened, repeat when the machine is quiet`;
}
