// The report's view of a cluster with several tiers: which tier limited each drill, the CPU each tier
// spends per front request, the plan as one table per tier, and the bottleneck tier named.
import type { Plan, Summary } from '../results';
import type { SectionSpec, Tile } from './page-spec';

const r1 = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits;
const dollars = (x: number) => (Math.abs(x) >= 1 || x === 0 ? x.toFixed(2) : x.toFixed(4));

/** The tiers section; null on a run with one tier. */
export function tiersSection(summary: Summary, plan?: Plan): SectionSpec | null {
  const tiers = summary.cluster.tiers;
  if (!tiers || tiers.length < 2) return null;
  const drills = [
    ...summary.redlines.map((x) => ({
      kind: 'redline',
      name: `${x.drill} (${x.pool})`,
      tier: x.tier,
      limitedByTier: x.limitedByTier,
      limit: x.limitedBy,
      cpu: x.cpuMsPerFrontRequestByTier,
    })),
    ...summary.drains.map((x) => ({
      kind: 'drain',
      name: `${x.drill} (${x.target.name})`,
      tier: x.tier,
      limitedByTier: x.limitedByTier,
      limit: x.brokenBy,
      cpu: x.cpuMsPerFrontRequestByTier,
    })),
    ...summary.failovers.map((x) => ({
      kind: 'lose-dc',
      name: `${x.drill} (${x.lostDc})`,
      tier: x.tier,
      limitedByTier: x.limitedByTier,
      limit: x.held ? 'none' : 'a guard',
      cpu: undefined,
    })),
  ];
  const tables: NonNullable<SectionSpec['tables']> = [
    {
      title: 'Which tier set the limit, and CPU ms per front request by tier',
      columns: [
        'drill',
        'kind',
        'tier loaded',
        'limited by tier',
        'guard',
        ...tiers.map((t) => `${t} CPU ms / front req`),
      ],
      rows: drills.map((d) => [
        d.name,
        d.kind,
        d.tier ?? '–',
        d.limitedByTier ?? d.tier ?? '–',
        d.limit,
        ...tiers.map((t) => r1(d.cpu?.[t], 3)),
      ]),
    },
  ];
  if (plan) {
    for (const tier of tiers) {
      const rows = plan.plan.filter((p) => p.tier === tier);
      if (!rows.length) continue;
      tables.push({
        title: `Plan of the ${tier} tier${plan.bottleneckTier === tier ? ' (the bottleneck)' : ''}: servers per DC, capacity in front req/s per server`,
        columns: [
          'DC',
          'type',
          'front req/s per server',
          'peak req/s',
          'needed',
          'with DC lost',
          'binding loss',
          'today',
          '$/h',
        ],
        rows: rows.map((p) => [
          p.dc,
          p.serverType,
          r1(p.redlineRps),
          r1(p.peakRps, 0),
          p.normal,
          p.withDcLoss,
          p.bindingLoss ?? '–',
          p.current,
          dollars(p.costPerHour),
        ]),
      });
    }
  }
  const limits = drills.map((d) => d.limitedByTier).filter((t): t is string => t !== undefined);
  const tiles: Tile[] = [
    {
      label: 'bottleneck tier',
      value: plan?.bottleneckTier ?? limits[0] ?? '–',
      detail: plan?.bottleneckTier
        ? 'its servers as run carry the fewest front req/s'
        : 'the tier that limited the drills',
      tone: 'warn',
    },
  ];
  return {
    id: 'tiers',
    title: 'Tiers',
    intro: `The load enters the ${summary.cluster.front ?? tiers[0]} tier; every tier of the target DC is watched (CPU per pool) and a breach is charged to the tier that ran out.`,
    tiles,
    tables,
    charts: [],
  };
}
