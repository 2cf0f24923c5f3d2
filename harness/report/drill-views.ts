// The drains' and DC losses' charts: weights, the target's p99 and errors step by step for a drain,
// load against the survivors' capacity for each DC lost.
import type { StepRecord, Summary } from '../results';
import type { ChartSpec, DatasetSpec } from './page-spec';
import { latencyGuards } from './redline-view';
import { colorOf, dcColors, guardRed, ink, num, pct, r, slug } from './view-format';

export function drainCharts(summary: Summary, steps: StepRecord[], dcs: string[]): ChartSpec[] {
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

export function failoverCharts(summary: Summary): ChartSpec[] {
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
