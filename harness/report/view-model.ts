// Shapes a run into what the page shows: sections of chart cards, each a declarative chart
// (datasets, axes) and the table of its numbers. Pure; the page script only draws it.
import { tiersSection } from './tiers-view';
import type { HistoryEntry, StepRecord, Summary, RedlineResult } from '../results';
import { fitCpuPerRequest, knee, type Comparison, type CpuFit, type Plan } from '../capacity';
import { redlineIntervalOf } from './plan-opening';

export type CellValue = string | number | null;

export interface TableSpec {
  columns: string[];
  rows: CellValue[][];
}

export interface DatasetSpec {
  label: string;
  /** Points {x, y} on a linear x axis, or values matching `labels`. */
  data: ({ x: number; y: number | null } | number | null)[];
  type?: 'line' | 'bar' | 'scatter';
  axis?: 'y' | 'y2';
  color: string;
  dashed?: boolean;
  stack?: string;
  pointRadius?: number;
  /** Line drawn between points (scatter). */
  showLine?: boolean;
  /** 'shape': fill the closed path the points draw (an interval band). */
  fill?: boolean | 'shape';
}

export interface AxisSpec {
  title: string;
  type?: 'linear' | 'logarithmic' | 'category';
  min?: number;
  max?: number;
  /** Values are shares 0..1 shown as %. */
  percent?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  note?: string;
  type: 'line' | 'bar' | 'scatter';
  labels?: string[];
  datasets: DatasetSpec[];
  x: AxisSpec;
  y: AxisSpec;
  y2?: AxisSpec;
  stacked?: boolean;
  /** The table is too wide to sit beside the chart: put it below. */
  tableBelow?: boolean;
  table: TableSpec;
}

export interface Tile {
  label: string;
  value: string;
  detail?: string;
  tone?: 'good' | 'bad' | 'warn' | 'neutral';
}

export interface SectionSpec {
  id: string;
  title: string;
  intro?: string;
  tiles?: Tile[];
  tables?: ({ title: string } & TableSpec)[];
  charts: ChartSpec[];
}

export interface ReportData {
  title: string;
  runId: string;
  scenario: string;
  cluster: string;
  status: Summary['status'];
  /** Why the run failed, shown beside the badge: `threshold http_req_failed: rate<0.05`, `survivor use1 lost → usw2`, `regression small`. */
  reasons: string[];
  verdict: string[];
  facts: [string, string][];
  sections: SectionSpec[];
  generatedBy: string;
}

export interface RedlineView {
  drill: string;
  serverType: string;
  pool: string;
  fit: CpuFit | null;
  knee: number | null;
}

export interface ReportInput {
  summary: Summary;
  steps: StepRecord[];
  run: Record<string, unknown>;
  plan?: Plan;
  /** Why the forecast could not be planned, shown in the verdict. */
  planError?: string;
  comparison?: Comparison;
  baselineRunId?: string;
  history?: HistoryEntry[];
  /** Sections the report opens with, before the run (the plan with its range). */
  leadSections?: SectionSpec[];
}

const typeColors = ['#2a9d8f', '#5468c4', '#e39b3a', '#c05a7a', '#6a8f3a', '#8a63b8'];
const dcColors = ['#3b6ea8', '#d0733d', '#4e9a6b', '#a8518a', '#8c7a3a', '#4b8fa3'];
const ink = '#36414f';
const guardRed = '#c8443b';

const r = (x: number | null | undefined, digits = 1): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits;
const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)}%`;
const num = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined
    ? '–'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** Rounds up to a multiple of half a power of ten below x (504 -> 550, 1260 -> 1500), so axes end on a round number. */
function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(x)) / 2;
  return Math.ceil(x / step) * step;
}
/** Dollars: cents for sums of a dollar or more, four decimals below (a small local server costs $0.0104/h). */
export function money(x: number): string {
  return Math.abs(x) >= 1 || x === 0 ? x.toFixed(2) : x.toFixed(4).replace(/0{1,2}$/, '');
}
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'x';

function colorOf(list: string[], palette: string[], name: string): string {
  const i = list.indexOf(name);
  return palette[(i < 0 ? list.length : i) % palette.length];
}

/** Latency guards written `p(NN)<N` on a duration metric, as horizontal lines. */
function latencyGuards(steps: StepRecord[]): { name: string; ms: number }[] {
  const seen = new Map<string, number>();
  for (const s of steps) {
    for (const g of s.guards ?? []) {
      const m = /^p\((\d+(?:\.\d+)?)\)\s*<=?\s*(\d+(?:\.\d+)?)$/.exec(g.expression.replace(/\s+/g, ''));
      if (m && /duration/.test(g.metric)) seen.set(g.name, Number(m[2]));
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
  // The redline's 95% interval as a shaded band across the whole height of a chart.
  const band = (y0: number, y1: number): DatasetSpec[] =>
    interval
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
  const p99s = sorted.map((s) => s.targetFigures.p99Ms).filter((v): v is number => v !== null);
  const p50s = sorted.map((s) => s.targetFigures.p50Ms).filter((v): v is number => v !== null);
  const guards = latencyGuards(own);
  const yLow = Math.max(0.1, Math.min(...p50s, ...p99s, ...guards.map((g) => g.ms)) * 0.7);
  const yHigh = Math.max(...p99s, ...guards.map((g) => g.ms)) * 1.4;
  const datasets: DatasetSpec[] = [
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
      data: sorted.filter((s) => s.verdict !== 'held').map((s) => ({ x: probeRate(s), y: s.targetFigures.p99Ms })),
      pointRadius: 6,
    },
    ...guards.map((g) => ({
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
    datasets.push(...band(yLow, yHigh));
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
  const latency: ChartSpec = {
    id: `${base}-latency`,
    title: `${res.serverType}: latency against load per replica`,
    note: `${res.method === 'sweep' ? 'Sweep' : 'Redline search'} '${res.drill}' on ${res.pool}. Redline ${res.rpsPerReplica === null ? 'not found: the lowest probe broke a guard' : `${num(res.rpsPerReplica)} req/s per replica, limited by ${res.limitedBy}`}.`,
    type: 'scatter',
    datasets,
    x: { title: 'req/s per replica', min: 0, max: xMax },
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
  const fit = view.fit;
  const cpus = summary.cluster.serverTypes[res.serverType]?.cpus ?? 1;
  const fitted = (x: number) => (fit ? fit.interceptShare + (x * fit.cpuMsPerRequest) / (cpus * 1000) : null);
  const cpuDatasets: DatasetSpec[] = [
    {
      label: 'CPU share of quota',
      type: 'scatter',
      color: typeColor,
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
      ...band(0, 1),
    );
  const cpu: ChartSpec = {
    id: `${base}-cpu`,
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
  return [latency, cpu];
}

function drainCharts(summary: Summary, steps: StepRecord[], dcs: string[]): ChartSpec[] {
  return summary.drains.map((d) => {
    const own = steps.filter((s) => s.drill === d.drill);
    const labels = own.map(
      (s, i) => `step ${i + 1}${s.targetShare !== undefined ? ` · ${Math.round(s.targetShare * 100)}%` : ''}`,
    );
    const datasets: DatasetSpec[] = [
      ...dcs.map((dc) => ({
        label: `weight ${dc}`,
        type: 'line' as const,
        color: colorOf(dcs, dcColors, dc),
        data: own.map((s) => s.weights?.dcs?.[dc] ?? 0),
        axis: 'y' as const,
        pointRadius: 3,
      })),
      {
        label: `${d.target.name} p99 (ms)`,
        type: 'line',
        color: ink,
        dashed: true,
        axis: 'y2',
        pointRadius: 4,
        data: own.map((s) => s.targetFigures.p99Ms),
      },
      {
        label: `${d.target.name} errors`,
        type: 'bar',
        color: 'rgba(200,68,59,0.55)',
        axis: 'y',
        data: own.map((s) => s.targetFigures.errorRate),
      },
      ...latencyGuards(own).map((g) => ({
        label: `guard ${g.name}`,
        type: 'line' as const,
        color: guardRed,
        dashed: true,
        axis: 'y2' as const,
        pointRadius: 0,
        data: own.map(() => g.ms),
      })),
    ];
    return {
      id: `${slug(d.drill)}-timeline`,
      title: `Drain '${d.drill}' toward ${d.target.name}`,
      note: `At ${num(d.totalRps)} req/s in total, ${d.target.name} held ${pct(d.heldShare, 0)} of global traffic (${num(d.heldRpsPerReplica)} req/s per replica)${d.brokenBy === 'none' ? ' up to the last step.' : `; the next step broke ${d.brokenBy}.`}`,
      type: 'line',
      tableBelow: true,
      labels,
      datasets,
      x: { title: 'step (target share)', type: 'category' },
      y: { title: 'weight and error rate', min: 0, max: 1, percent: true },
      y2: { title: 'p99 (ms)', min: 0 },
      table: {
        columns: [
          'step',
          'target share',
          ...dcs.map((dc) => `weight ${dc}`),
          'req/s per replica',
          'p99 ms',
          'errors',
          'verdict',
        ],
        rows: own.map((s, i) => [
          i + 1,
          pct(s.targetShare ?? null, 0),
          ...dcs.map((dc) => pct(s.weights?.dcs?.[dc] ?? 0, 0)),
          r(s.targetFigures.rpsPerReplica),
          r(s.targetFigures.p99Ms),
          pct(s.targetFigures.errorRate, 2),
          s.verdict,
        ]),
      },
    };
  });
}

function failoverCharts(summary: Summary): ChartSpec[] {
  return summary.failovers.map((f) => {
    const labels = f.survivors.map((s) => s.dc);
    return {
      id: `${slug(f.drill)}-load`,
      title: `Losing ${f.lostDc}: load against capacity of the survivors`,
      note: `'${f.drill}' (${f.mode === 'kill' ? 'replicas stopped' : 'weight set to 0'}) at ${num(f.totalRps)} req/s: ${
        f.held
          ? 'every survivor held its guards.'
          : `broke ${f.survivors
              .filter((s) => !s.held)
              .map((s) => `${s.dc} (${s.brokenBy ?? 'a guard'})`)
              .join(', ')}.`
      }`,
      type: 'bar',
      labels,
      datasets: [
        { label: 'load (req/s)', color: '#d0733d', data: f.survivors.map((s) => s.loadRps) },
        { label: 'capacity at redline (req/s)', color: '#9db7cf', data: f.survivors.map((s) => s.capacityRps) },
      ],
      x: { title: 'surviving DC', type: 'category' },
      y: { title: 'req/s', min: 0 },
      table: {
        columns: ['DC', 'load req/s', 'capacity req/s', 'load/capacity', 'p99 ms', 'errors', 'held'],
        rows: f.survivors.map((s) => [
          s.dc,
          r(s.loadRps, 0),
          r(s.capacityRps, 0),
          pct(s.loadFraction, 0),
          r(s.p99Ms),
          pct(s.errorRate, 2),
          s.held ? 'yes' : 'no',
        ]),
      },
    };
  });
}

function planSection(plan: Plan, dcs: string[], types: string[]): SectionSpec {
  const isRec = (dc: string, t: string) => plan.recommended.some((x) => x.dc === dc && x.serverType === t);
  const row = (dc: string, t: string) => plan.plan.find((p) => p.dc === dc && p.serverType === t);
  const datasets: DatasetSpec[] = [];
  types.forEach((t, i) => {
    const c = typeColors[i % typeColors.length];
    datasets.push({
      label: `${t} · today`,
      stack: 'today',
      color: `${c}66`,
      data: dcs.map((dc) => row(dc, t)?.current ?? 0),
    });
    datasets.push({
      label: `${t} · needed`,
      stack: 'needed',
      color: `${c}aa`,
      data: dcs.map((dc) => (isRec(dc, t) ? (row(dc, t)?.normal ?? 0) : 0)),
    });
    datasets.push({
      label: `${t} · with a DC lost`,
      stack: 'dcloss',
      color: c,
      data: dcs.map((dc) => (isRec(dc, t) ? (row(dc, t)?.withDcLoss ?? 0) : 0)),
    });
  });
  const o = plan.options;
  const servers: ChartSpec = {
    id: 'plan-servers',
    title: 'Servers per DC: today, needed, needed with a DC lost',
    note: `Bars per DC, stacked by server type: today's fleet (from the forecast's current_<type> columns), then the cheapest type's servers needed in normal operation and with the worst DC lost. Utilization ${pct(o.utilization, 0)} of redline, ${o.spares} spare(s) per pool, default growth ${pct(o.growth, 0)}.`,
    type: 'bar',
    stacked: true,
    tableBelow: true,
    labels: dcs,
    datasets,
    x: { title: 'DC', type: 'category' },
    y: { title: 'servers', min: 0 },
    table: {
      columns: [
        'DC',
        'type',
        'redline req/s',
        'peak req/s',
        'needed',
        'with DC lost',
        'binding loss',
        'load then req/s',
        'today',
        '$/h',
        'cheapest',
      ],
      rows: plan.plan.map((p) => [
        p.dc,
        p.serverType,
        r(p.redlineRps),
        r(p.peakRps, 0),
        p.normal,
        p.withDcLoss,
        p.bindingLoss ?? '–',
        r(p.bindingLoadRps, 0),
        p.current,
        money(p.costPerHour),
        isRec(p.dc, p.serverType) ? '★' : '',
      ]),
    },
  };
  const cost: ChartSpec = {
    id: 'plan-cost',
    title: 'Cost per hour of surviving a DC loss, per server type',
    note: `The cheapest choice per DC is marked ★ in the table. Total for the cheapest choices: $${money(plan.totalCostPerHour)} per hour.`,
    type: 'bar',
    labels: dcs,
    datasets: types.map((t, i) => ({
      label: `${t} ($/h)`,
      color: typeColors[i % typeColors.length],
      data: dcs.map((dc) => row(dc, t)?.costPerHour ?? null),
    })),
    x: { title: 'DC', type: 'category' },
    y: { title: '$ per hour', min: 0 },
    table: {
      columns: ['DC', 'cheapest type', 'servers', '$/h'],
      rows: [
        ...plan.recommended.map((x) => [x.dc, x.serverType, x.servers, money(x.costPerHour)]),
        ['total', '', plan.recommended.reduce((s, x) => s + x.servers, 0), money(plan.totalCostPerHour)],
      ],
    },
  };
  const fleet = plan.fleet ?? [];
  const short = fleet.filter((f) => f.status === 'short');
  const over = fleet.filter((f) => f.status === 'over-provisioned');
  const known = fleet.some((f) => f.status !== 'unknown');
  return {
    id: 'plan',
    title: 'Plan',
    intro:
      'Servers each DC needs for the forecast peak, so that it still holds when any one other DC is lost. Each type is sized alone; the cheapest per DC is the recommendation.',
    tiles: [
      {
        label: 'cheapest plan',
        value: `$${money(plan.totalCostPerHour)}/h`,
        detail: plan.recommended.map((x) => `${x.dc}: ${x.servers} × ${x.serverType}`).join(' · '),
        tone: 'neutral',
      },
      ...(known
        ? [
            {
              label: 'short today',
              value: String(short.length),
              detail:
                short
                  .map(
                    (f) => `${f.dc}: ${num(-(f.headroomRps ?? 0))} req/s short with ${f.bindingLoss ?? 'no DC'} lost`,
                  )
                  .join(' · ') || 'every DC holds the worst loss',
              tone: short.length ? 'bad' : 'good',
            } as Tile,
            {
              label: 'over-provisioned',
              value: String(over.length),
              detail:
                over
                  .map((f) => `${f.dc}: carries ${num(f.capacityRps)} for ${num(f.bindingLoadRps)} req/s`)
                  .join(' · ') || 'none',
              tone: over.length ? 'warn' : 'good',
            } as Tile,
          ]
        : []),
    ],
    tables: known
      ? [
          {
            title:
              "Today's fleet with the worst DC lost (all types together, spares set aside, at the target utilization)",
            columns: ['DC', 'servers today', 'carries req/s', 'binding loss', 'load req/s', 'headroom req/s', 'status'],
            rows: fleet.map((f) => [
              f.dc,
              Object.entries(f.current)
                .map(([t, n]) => `${n} × ${t}`)
                .join(', ') || '–',
              r(f.capacityRps, 0),
              f.bindingLoss ?? '–',
              r(f.bindingLoadRps, 0),
              r(f.headroomRps, 0),
              f.status,
            ]),
          },
        ]
      : [],
    charts: [servers, cost],
  };
}

function comparisonSection(c: Comparison, baselineRunId: string): SectionSpec {
  const iv = (i: [number, number] | null) => (i ? `[${num(i[0], 1)}, ${num(i[1], 1)}]` : '–');
  return {
    id: 'baseline',
    title: 'Against the baseline',
    intro: `This run against ${baselineRunId}. Decision: ${c.method}. The minimum effect is --max-drop (${pct(c.maxDrop)}).`,
    tiles: [
      {
        label: 'regressed',
        value: c.regressed.length ? c.regressed.join(', ') : 'none',
        tone: c.regressed.length ? 'bad' : 'good',
      },
    ],
    tables: [
      {
        title: 'Why: the test of each server type',
        columns: ['type', 'decision'],
        rows: c.types.flatMap((t) => t.notes.map((n) => [t.serverType, n])),
      },
    ],
    charts: [
      {
        id: 'baseline-redlines',
        title: 'Redline per server type: baseline and this run',
        type: 'bar',
        tableBelow: true,
        labels: c.types.map((t) => t.serverType),
        datasets: [
          { label: `baseline ${baselineRunId}`, color: '#b7c3cf', data: c.types.map((t) => t.redlineA) },
          { label: 'this run', color: '#3b6ea8', data: c.types.map((t) => t.redlineB) },
        ],
        x: { title: 'server type', type: 'category' },
        y: { title: 'req/s per replica', min: 0 },
        table: {
          columns: [
            'type',
            'baseline req/s',
            'interval',
            'this run req/s',
            'interval',
            'change',
            'CPU ms/req baseline',
            'CPU ms/req now',
            'CPU shift',
            'probes a/b',
            'p (rank test)',
            'verdict',
          ],
          rows: c.types.map((t) => [
            t.serverType,
            r(t.redlineA),
            iv(t.intervalA),
            r(t.redlineB),
            iv(t.intervalB),
            pct(t.redlineChange),
            r(t.cpuMsPerRequestA, 3),
            r(t.cpuMsPerRequestB, 3),
            pct(t.cpuChange),
            `${t.samplesA}/${t.samplesB}`,
            t.p === null ? '–' : r(t.p, 4),
            t.regressed ? 'regressed' : t.decision ? 'ok' : t.notes.join('; '),
          ]),
        },
      },
    ],
  };
}

function trendSection(history: HistoryEntry[], types: string[]): SectionSpec {
  const labels = history.map((h) => (h.endedAt ? h.endedAt.slice(0, 16).replace('T', ' ') : h.runId));
  const allTypes = [...new Set([...types, ...history.flatMap((h) => h.redlines.map((x) => x.serverType))])];
  const value = (h: HistoryEntry, t: string) => h.redlines.find((x) => x.serverType === t)?.rpsPerReplica ?? null;
  return {
    id: 'trend',
    title: 'Redline over past runs',
    intro: `From reports/history.ndjson: ${history.length} run(s), this one last.`,
    charts: [
      {
        id: 'trend-redlines',
        title: 'Redline per server type, run by run',
        type: 'line',
        tableBelow: true,
        labels,
        datasets: allTypes.map((t) => ({
          label: t,
          color: colorOf(allTypes, typeColors, t),
          data: history.map((h) => value(h, t)),
          pointRadius: 4,
        })),
        x: { title: 'run (UTC)', type: 'category' },
        y: { title: 'req/s per replica', min: 0 },
        table: {
          columns: ['run', 'status', ...allTypes.map((t) => `${t} req/s`), ...allTypes.map((t) => `${t} CPU ms/req`)],
          rows: history.map((h) => [
            h.runId,
            h.status,
            ...allTypes.map((t) => r(value(h, t))),
            ...allTypes.map((t) => r(h.redlines.find((x) => x.serverType === t)?.cpuMsPerRequest, 3)),
          ]),
        },
      },
    ],
  };
}

/** The reasons a run failed, for the badge: summary.failures, and the comparison's regressions when the summary has none. */
export function badgeReasons(summary: Summary, comparison?: Comparison): string[] {
  const failures = summary.failures ?? [];
  const reasons = failures.map((f) => `${f.kind} ${f.name}`);
  if (!failures.some((f) => f.kind === 'regression'))
    for (const t of comparison?.regressed ?? []) reasons.push(`regression ${t}`);
  return reasons;
}

function verdictOf(summary: Summary, plan?: Plan, comparison?: Comparison, planError?: string): string[] {
  const lines: string[] = [];
  if (planError) lines.push(`No plan: ${planError}`);
  if (summary.error) lines.push(`The run stopped with an error: ${summary.error}`);
  for (const res of summary.redlines) {
    lines.push(
      res.rpsPerReplica === null
        ? res.status === 'noBreach'
          ? `${res.serverType}: no redline, no breach up to ${num(res.atLeast ?? null)} req/s per replica on ${res.pool}.`
          : res.status === 'noData'
            ? `${res.serverType}: no redline, no data on ${res.pool} (${res.limitedBy}).`
            : `${res.serverType}: no redline, the lowest probe on ${res.pool} already broke ${res.limitedBy}.`
        : `${res.serverType} redline: ${num(res.rpsPerReplica)} req/s per replica on ${res.pool}, limited by ${res.limitedBy}${res.limitedByTier ? ` of the ${res.limitedByTier} tier` : ''}.`,
    );
  }
  for (const d of summary.drains)
    lines.push(
      `${d.target.name} held ${pct(d.heldShare, 0)} of global traffic in '${d.drill}'${d.brokenBy === 'none' ? '.' : `, then broke ${d.brokenBy}${d.limitedByTier ? ` of the ${d.limitedByTier} tier` : ''}.`}`,
    );
  for (const f of summary.failovers) {
    lines.push(
      f.held
        ? `Losing ${f.lostDc}: the survivors held.`
        : `Losing ${f.lostDc}: ${f.survivors
            .filter((s) => !s.held)
            .map((s) => `${s.dc} broke at ${pct(s.loadFraction, 0)} of its capacity (${s.brokenBy ?? 'a guard'})`)
            .join('; ')}.`,
    );
  }
  if (plan?.bottleneckTier) lines.push(`Bottleneck tier: ${plan.bottleneckTier}.`);
  if (plan)
    lines.push(
      `Plan: $${money(plan.totalCostPerHour)} per hour for ${plan.recommended.map((x) => `${x.servers} × ${x.serverType} in ${x.dc}`).join(', ')}.`,
    );
  if (comparison) {
    const regressed = comparison.types.filter((t) => t.regressed);
    lines.push(
      regressed.length
        ? `Regressed against the baseline: ${regressed.map((t) => `${t.serverType} (${t.notes.filter((n) => /regressed|fell/.test(n)).join('; ')})`).join(', ')}.`
        : `No regression against the baseline (${comparison.method}).`,
    );
  }
  return lines;
}

const fmtTime = (iso: string) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '–');

export function buildReportData(input: ReportInput): ReportData {
  const { summary, steps, run, plan, comparison } = input;
  const dcs = summary.cluster.dcs.map((d) => d.name);
  const types = Object.keys(summary.cluster.serverTypes);
  const views = redlineViews(summary, steps);
  const durationS = (Date.parse(summary.endedAt) - Date.parse(summary.startedAt)) / 1000;

  const facts: [string, string][] = [
    ['run', summary.runId],
    ['scenario', `${summary.scenario} (${summary.scenarioFile})`],
    [
      'cluster',
      `${summary.cluster.name}: ${dcs.length} DC(s), ${summary.cluster.dcs.reduce((s, d) => s + Object.values(d.pools).reduce((a, b) => a + b, 0), 0)} replicas`,
    ],
    ['started', fmtTime(summary.startedAt)],
    ['ended', fmtTime(summary.endedAt)],
    [
      'duration',
      Number.isFinite(durationS) ? `${Math.floor(durationS / 60)} min ${Math.round(durationS % 60)} s` : '–',
    ],
    ['steps', String(steps.length)],
  ];
  // run.json is the drill's; show its scalar facts, one level of nesting flattened (git.commit, versions.node).
  const shown = new Set([
    'runId',
    'startedAt',
    'endedAt',
    'status',
    'scenario.name',
    'scenario.file',
    'cluster.name',
    'cluster.replicas',
  ]);
  const addFact = (k: string, v: unknown) => {
    if (shown.has(k) || v === null || v === undefined || v === '') return;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') facts.push([k, String(v)]);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) facts.push([k, v.join(' ')]);
  };
  for (const [k, v] of Object.entries(run)) {
    if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k2, v2] of Object.entries(v)) addFact(`${k}.${k2}`, v2);
    else addFact(k, v);
  }

  const overview: SectionSpec = {
    id: 'overview',
    title: 'Run',
    tiles: [
      ...summary.redlines.map(
        (res): Tile => ({
          label: `${res.serverType} redline`,
          value: res.rpsPerReplica === null ? 'none' : `${num(res.rpsPerReplica)} req/s`,
          detail: `per replica · ${res.limitedBy}`,
          tone: res.rpsPerReplica === null ? 'bad' : 'neutral',
        }),
      ),
      ...(summary.failovers.length
        ? [
            {
              label: 'DC losses survived',
              value: `${summary.failovers.filter((f) => f.held).length} of ${summary.failovers.length}`,
              detail: summary.failovers.map((f) => `${f.lostDc} ${f.held ? '✓' : '✗'}`).join(' · '),
              tone: summary.failovers.every((f) => f.held) ? 'good' : 'bad',
            } as Tile,
          ]
        : []),
      ...summary.drains.map(
        (d): Tile => ({
          label: `drain toward ${d.target.name}`,
          value: pct(d.heldShare, 0),
          detail: 'of global traffic held',
          tone: 'neutral',
        }),
      ),
    ],
    tables: [
      {
        title: 'Server types',
        columns: ['type', 'CPU', 'memory MB', 'workers', '$/h'],
        rows: types.map((t) => {
          const s = summary.cluster.serverTypes[t];
          return [t, s.cpus, s.memoryMb, s.workers, money(s.costPerHour)];
        }),
      },
      {
        title: 'Data centers',
        columns: ['DC', 'region', 'demand', ...types.map((t) => `${t} replicas`)],
        rows: summary.cluster.dcs.map((d) => [
          d.name,
          d.region,
          pct(d.demand, 0),
          ...types.map((t) => d.pools[t] ?? 0),
        ]),
      },
      {
        title: 'Thresholds over the run',
        columns: ['threshold', 'value', 'ok'],
        rows: Object.entries(summary.thresholds).map(([k, v]) => [
          k,
          v.value === null ? null : r(v.value, 4),
          v.ok ? 'yes' : 'no',
        ]),
      },
    ].filter((t) => t.rows.length > 0),
    charts: [],
  };

  const sections: SectionSpec[] = [...(input.leadSections ?? []), overview];
  const tiers = tiersSection(summary, plan);
  if (tiers) sections.push(tiers);
  const measured = [...summary.redlines, ...summary.sweeps];
  if (measured.length) {
    sections.push({
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
    });
  }
  if (summary.drains.length)
    sections.push({
      id: 'drains',
      title: 'Drains',
      intro:
        "Traffic moved toward one target in steps; weights per DC (left, %), the target's p99 (right, ms) and its errors.",
      charts: drainCharts(summary, steps, dcs),
    });
  if (summary.failovers.length)
    sections.push({
      id: 'dc-loss',
      title: 'DC loss',
      intro: 'Each DC lost in turn; its traffic spread over the survivors. Capacity is replicas × redline per pool.',
      charts: failoverCharts(summary),
    });
  if (plan)
    sections.push(
      planSection(
        plan,
        dcs,
        types.filter((t) => plan.plan.some((p) => p.serverType === t)),
      ),
    );
  if (comparison) sections.push(comparisonSection(comparison, input.baselineRunId ?? comparison.runA));
  if (input.history?.length) sections.push(trendSection(input.history, types));

  return {
    title: `${summary.scenario} · ${summary.runId}`,
    runId: summary.runId,
    scenario: summary.scenario,
    cluster: summary.cluster.name,
    // A regression fails the run: the badge must not say passed above "Regressed against the baseline".
    status: summary.status === 'passed' && comparison?.regressed.length ? 'failed' : summary.status,
    reasons: badgeReasons(summary, comparison),
    verdict: verdictOf(summary, plan, comparison, input.planError),
    facts,
    sections,
    generatedBy: 'headroom',
  };
}
