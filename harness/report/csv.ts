// steps.csv, redlines.csv and plan.csv, with units in the column names.
import { stringify } from 'csv-stringify/sync';
import type { StepRecord, Summary } from '../results';
import type { Plan } from '../capacity';
import { viewOf, type RedlineView } from './redline-view';

type Cell = string | number | boolean | null | undefined;

/** Strings a spreadsheet would run as a formula (=, +, -, @) get a leading quote. */
function cell(v: Cell): string | number {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return Number.isFinite(v) ? v : '';
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

function toCsv(columns: string[], rows: Cell[][]): string {
  return stringify([columns, ...rows.map((r) => r.map(cell))]);
}

export function stepsCsv(steps: StepRecord[], dcs: string[]): string {
  const columns = [
    'run_id',
    'step',
    'drill',
    'kind',
    'target',
    'server_type',
    'started_at',
    'ended_at',
    'offered_rps',
    'offered_rps_per_replica',
    'achieved_rps',
    'dropped_iterations',
    'target_share',
    'lost_dc',
    'rps',
    'rps_per_replica',
    'p50_ms',
    'p90_ms',
    'p99_ms',
    'error_rate',
    'cpu_share',
    'cpu_ms_per_request',
    'verdict',
    'guards_broken',
    ...dcs.map((dc) => `weight_${dc}`),
    'annotations',
  ];
  const rows = steps.map((s) => [
    s.runId,
    s.index,
    s.drill,
    s.kind,
    s.target?.name,
    s.serverType,
    s.startedAt,
    s.endedAt,
    s.offeredRps,
    s.offeredRpsPerReplica,
    s.achievedRps,
    s.droppedIterations,
    s.targetShare,
    s.lostDc,
    s.targetFigures?.rps,
    s.targetFigures?.rpsPerReplica,
    s.targetFigures?.p50Ms,
    s.targetFigures?.p90Ms,
    s.targetFigures?.p99Ms,
    s.targetFigures?.errorRate,
    s.targetFigures?.cpuShare,
    s.targetFigures?.cpuMsPerRequest,
    s.verdict,
    (s.guards ?? [])
      .filter((g) => !g.ok)
      .map((g) => g.name)
      .join('; '),
    ...dcs.map((dc) => s.weights?.dcs?.[dc]),
    (s.annotations ?? []).join('; '),
  ]);
  return toCsv(columns, rows);
}

const round6 = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 1e6) / 1e6);

export function redlinesCsv(summary: Summary, views: RedlineView[]): string {
  const columns = [
    'drill',
    'method',
    'server_type',
    'pool',
    'rps_per_replica',
    'limited_by',
    'p50_ms',
    'p99_ms',
    'cpu_share',
    'cpu_ms_per_request',
    'fit_cpu_ms_per_request',
    'fit_idle_cpu_share',
    'fit_r2',
    'knee_rps_per_replica',
    'probes',
    'duration_s',
  ];
  const rows = [...summary.redlines, ...summary.sweeps].map((r) => {
    const v = viewOf(views, r);
    return [
      r.drill,
      r.method,
      r.serverType,
      r.pool,
      r.rpsPerReplica,
      r.limitedBy,
      r.p50Ms,
      r.p99Ms,
      r.cpuShare,
      r.cpuMsPerRequest,
      round6(v?.fit?.cpuMsPerRequest),
      round6(v?.fit?.interceptShare),
      round6(v?.fit?.r2),
      v?.knee,
      r.probes,
      r.durationS,
    ];
  });
  return toCsv(columns, rows);
}

export function planCsv(plan: Plan): string {
  const columns = [
    'dc',
    'server_type',
    'redline_rps_per_replica',
    'peak_rps',
    'normal_servers',
    'with_dc_loss_servers',
    'binding_loss_dc',
    'binding_load_rps',
    'current_servers',
    'cost_per_hour',
    'recommended',
    'dc_fleet_capacity_rps',
    'dc_fleet_headroom_rps',
    'dc_fleet_status',
  ];
  const rows = plan.plan.map((r) => {
    const f = plan.fleet?.find((x) => x.dc === r.dc);
    return [
      r.dc,
      r.serverType,
      r.redlineRps,
      r.peakRps,
      r.normal,
      r.withDcLoss,
      r.bindingLoss,
      r.bindingLoadRps,
      r.current,
      r.costPerHour,
      plan.recommended.some((x) => x.dc === r.dc && x.serverType === r.serverType),
      f?.capacityRps,
      f?.headroomRps,
      f?.status,
    ];
  });
  return toCsv(columns, rows);
}
