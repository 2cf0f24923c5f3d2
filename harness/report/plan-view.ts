// The plan section: servers per DC today, needed and needed with a DC lost, the cost of each server
// type, and today's fleet against the worst DC loss.
import type { Plan } from '../capacity';
import type { ChartSpec, DatasetSpec, SectionSpec, Tile } from './page-spec';
import { money, num, pct, r, typeColors } from './view-format';

/** Is this type the plan's choice for this DC? */
const isRec = (plan: Plan, dc: string, t: string) => plan.recommended.some((x) => x.dc === dc && x.serverType === t);
const rowOf = (plan: Plan, dc: string, t: string) => plan.plan.find((p) => p.dc === dc && p.serverType === t);

/** Bars per DC stacked by type: today's fleet, the chosen type's servers needed, and needed with a DC lost. */
function serversChart(plan: Plan, dcs: string[], types: string[]): ChartSpec {
  const row = (dc: string, t: string) => rowOf(plan, dc, t);
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
      data: dcs.map((dc) => (isRec(plan, dc, t) ? (row(dc, t)?.normal ?? 0) : 0)),
    });
    datasets.push({
      label: `${t} · with a DC lost`,
      stack: 'dcloss',
      color: c,
      data: dcs.map((dc) => (isRec(plan, dc, t) ? (row(dc, t)?.withDcLoss ?? 0) : 0)),
    });
  });
  const o = plan.options;
  return {
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
        isRec(plan, p.dc, p.serverType) ? '★' : '',
      ]),
    },
  };
}

/** The cost per hour of each type per DC, and the cheapest choices. */
function costChart(plan: Plan, dcs: string[], types: string[]): ChartSpec {
  const row = (dc: string, t: string) => rowOf(plan, dc, t);
  return {
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
}

/** Today's fleet against the worst DC loss: tiles of the DCs short and over-provisioned, and a table. */
function fleetFigures(plan: Plan): { tiles: Tile[]; tables: NonNullable<SectionSpec['tables']> } {
  const fleet = plan.fleet ?? [];
  const short = fleet.filter((f) => f.status === 'short');
  const over = fleet.filter((f) => f.status === 'over-provisioned');
  const known = fleet.some((f) => f.status !== 'unknown');
  const tiles: Tile[] = known
    ? [
        {
          label: 'short today',
          value: String(short.length),
          detail:
            short
              .map((f) => `${f.dc}: ${num(-(f.headroomRps ?? 0))} req/s short with ${f.bindingLoss ?? 'no DC'} lost`)
              .join(' · ') || 'every DC holds the worst loss',
          tone: short.length ? 'bad' : 'good',
        } as Tile,
        {
          label: 'over-provisioned',
          value: String(over.length),
          detail:
            over.map((f) => `${f.dc}: carries ${num(f.capacityRps)} for ${num(f.bindingLoadRps)} req/s`).join(' · ') ||
            'none',
          tone: over.length ? 'warn' : 'good',
        } as Tile,
      ]
    : [];
  const tables = known
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
    : [];
  return { tiles, tables };
}

export function planSection(plan: Plan, dcs: string[], types: string[]): SectionSpec {
  const fleet = fleetFigures(plan);
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
      ...fleet.tiles,
    ],
    tables: fleet.tables,
    charts: [serversChart(plan, dcs, types), costChart(plan, dcs, types)],
  };
}
