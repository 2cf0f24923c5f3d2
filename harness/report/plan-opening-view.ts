// The section a report opens with when it has a plan: servers per DC and type, normal and with a DC
// lost, their p5/p50/p95 range, today's headroom per DC, the binding loss and why the other types lost.
import type { Plan, PlanRange, Spread } from '../capacity';
import { headroomToday } from './plan-opening';
import type { SectionSpec, Tile } from './page-spec';

const share = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const spread = (s: Spread | undefined) => (s ? (s.p5 === s.p95 ? String(s.p50) : `${s.p50} (${s.p5}–${s.p95})`) : '–');
const dollars = (x: number) => x.toFixed(2);

export function planOpeningSection(plan: Plan, range: PlanRange | undefined): SectionSpec {
  const dcs = [...new Set(plan.plan.map((p) => p.dc))];
  const typeRange = (dc: string, t: string) =>
    range?.dcs.find((d) => d.dc === dc)?.types.find((x) => x.serverType === t);
  const rec = (dc: string) => plan.recommended.find((r) => r.dc === dc);
  const tiles: Tile[] = dcs.map((dc) => {
    const r = rec(dc);
    const d = range?.dcs.find((x) => x.dc === dc);
    const h = headroomToday(plan, dc);
    const binding = plan.plan.find((p) => p.dc === dc && p.serverType === r?.serverType)?.bindingLoss;
    return {
      label: `${dc}: servers with a DC lost`,
      value: r ? `${r.servers} × ${r.serverType}` : '–',
      detail: [
        d ? `p5–p95 ${d.servers.p5}–${d.servers.p95} of the cheapest type per draw` : 'no range',
        `binding loss ${binding ?? 'none'}`,
        h.withDcLoss === null
          ? 'headroom today unknown'
          : `headroom today ${share(h.normal)}, ${share(h.withDcLoss)} with ${binding ?? 'no DC'} lost`,
      ].join(' · '),
      tone: h.withDcLoss === null ? 'neutral' : h.withDcLoss < 0 ? 'bad' : 'good',
    };
  });
  tiles.push({
    label: 'cost per hour',
    value: `$${dollars(plan.totalCostPerHour)}`,
    detail: range
      ? `p5–p95 $${dollars(range.totalCostPerHour.p5)}–$${dollars(range.totalCostPerHour.p95)} over ${range.draws} draws (seed ${range.seed})`
      : 'no range',
    tone: 'neutral',
  });
  const isRec = (dc: string, t: string) => plan.recommended.some((r) => r.dc === dc && r.serverType === t);
  return {
    id: 'plan-opening',
    title: 'The plan',
    intro:
      'Servers each DC needs for the forecast peak, normally and with the worst other DC lost, cheapest type per DC (★). ' +
      'The range is p50 (p5–p95) over seeded draws of the redlines within their 95% intervals and of the forecast peaks within ' +
      'peak_rps_low/peak_rps_high; a redline without an interval is taken as known.',
    tiles,
    tables: [
      {
        title: 'Servers per DC and server type',
        columns: [
          'DC',
          'type',
          'normal',
          'with a DC lost',
          'normal p50 (p5–p95)',
          'with a DC lost p50 (p5–p95)',
          'binding loss',
          '$/h',
          'cheapest in draws',
          '',
        ],
        rows: plan.plan.map((p) => {
          const t = typeRange(p.dc, p.serverType);
          return [
            p.dc,
            p.serverType,
            p.normal,
            p.withDcLoss,
            spread(t?.normal),
            spread(t?.withDcLoss),
            p.bindingLoss ?? '–',
            dollars(p.costPerHour),
            t ? share(t.cheapestShare) : '–',
            isRec(p.dc, p.serverType) ? '★' : '',
          ];
        }),
      },
      {
        title:
          "Headroom per DC today (servers from the forecast's current_<type> columns, at the target utilization, spares set aside)",
        columns: [
          'DC',
          'servers today',
          'carries req/s',
          'peak req/s',
          'headroom',
          'binding loss',
          'load then req/s',
          'headroom with it lost',
          'status',
        ],
        rows: plan.fleet.map((f) => {
          const h = headroomToday(plan, f.dc);
          const peak = plan.plan.find((p) => p.dc === f.dc)?.peakRps;
          return [
            f.dc,
            Object.entries(f.current)
              .map(([t, n]) => `${n} × ${t}`)
              .join(', ') || '–',
            f.capacityRps === null ? '–' : Math.round(f.capacityRps),
            peak === undefined ? '–' : Math.round(peak),
            share(h.normal),
            f.bindingLoss ?? '–',
            Math.round(f.bindingLoadRps),
            share(h.withDcLoss),
            f.status,
          ];
        }),
      },
      ...(range?.rejected.length
        ? [
            {
              title: 'Why the other server types lost',
              columns: ['DC', 'type', 'lost on', 'why'],
              rows: range.rejected.map((x) => [x.dc, x.serverType, x.reason, x.explanation]),
            },
          ]
        : []),
    ],
    charts: [],
  };
}
