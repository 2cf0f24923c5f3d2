// `headroom plan --capacity <run|summary.json> --forecast <csv> [--utilization 0.8] [--spares 1]
// [--growth 0.2] [--out DIR] [--json]`: servers per DC and server type, surviving any one DC lost.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyseRun, type Plan, type PlanOptions, type PlanRange } from '../capacity';
import { ConfigError, ExitCode } from '../common';
import { money, planCsv } from '../report';
import { readForecast, readSummary } from '../results';
import type { CliIo } from './io';
import { collector, commandLine, count, type FlagSpec, helpText, parseFlags, share } from './flags';

/** The plan's flags, shared with `report`. */
export const planFlags = {
  utilization: { type: 'string', value: 'SHARE', help: 'load each server to this share of its redline (default 0.8)' },
  spares: { type: 'string', value: 'N', help: 'spare servers per pool (default 1)' },
  growth: { type: 'string', value: 'SHARE', help: 'growth on the forecast where it names none (default 0.2)' },
} as const satisfies Record<string, FlagSpec>;

export const spec = {
  name: 'plan',
  args: '',
  summary: "Servers per DC and server type from a run's redlines and a forecast, surviving the loss of any one DC.",
  positionals: [0, 0] as [number, number],
  flags: {
    capacity: { type: 'string', value: 'RUN', help: 'a run directory or its summary.json (required)' },
    forecast: { type: 'string', value: 'CSV', help: 'forecast CSV: dc,peak_rps[,growth][,current_<type>] (required)' },
    ...planFlags,
    out: { type: 'string', value: 'DIR', help: 'also write plan.csv and plan.json there' },
    json: { type: 'boolean', help: 'print the plan as one line of JSON' },
  },
} as const;

/** The range as `plan --json` prints it: per DC the recommended servers' and cost's p5/p50/p95, per type too. */
export function planRangeJson(range: PlanRange) {
  return {
    draws: range.draws,
    seed: range.seed,
    totalCostPerHour: range.totalCostPerHour,
    dcs: range.dcs.map((d) => ({
      dc: d.dc,
      servers: d.servers,
      costPerHour: d.costPerHour,
      types: d.types.map((t) => ({
        serverType: t.serverType,
        normal: t.normal,
        withDcLoss: t.withDcLoss,
        costPerHour: t.costPerHour,
        cheapestShare: t.cheapestShare,
      })),
    })),
    rejected: range.rejected,
  };
}

/** The JSON `plan --json` prints: only these fields, in this order; `range` (p5/p50/p95 over seeded draws) when computed. */
export function planJson(plan: Plan, range?: PlanRange) {
  return {
    plan: plan.plan.map((r) => ({
      dc: r.dc,
      ...(r.tier ? { tier: r.tier } : {}),
      serverType: r.serverType,
      normal: r.normal,
      withDcLoss: r.withDcLoss,
      bindingLoss: r.bindingLoss,
      current: r.current,
      costPerHour: r.costPerHour,
    })),
    recommended: plan.recommended.map((r) => ({
      dc: r.dc,
      ...(r.tier ? { tier: r.tier } : {}),
      serverType: r.serverType,
      servers: r.servers,
      costPerHour: r.costPerHour,
    })),
    ...(range ? { range: planRangeJson(range) } : {}),
  };
}

function table(head: string[], rows: string[][], left: number[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (left.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

export function formatPlan(plan: Plan): string {
  const rec = (dc: string, t: string, tier?: string) =>
    plan.recommended.some((r) => r.dc === dc && r.serverType === t && r.tier === tier);
  const o = plan.options;
  // With several tiers, a tier column first (redlines there are front req/s per replica of the tier).
  const tiered = plan.plan.some((r) => r.tier !== undefined);
  const tierCell = (tier?: string) => (tiered ? [tier ?? ''] : []);
  const lines = [
    `utilization ${(o.utilization * 100).toFixed(0)}% of redline, ${o.spares} spare(s) per pool, default growth ${(o.growth * 100).toFixed(0)}%`,
    ...table(
      [...tierCell('tier'), 'dc', 'type', 'peak req/s', 'normal', 'with DC lost', 'binding loss', 'today', '$/h', ''],
      plan.plan.map((r) => [
        ...tierCell(r.tier),
        r.dc,
        r.serverType,
        r.peakRps.toFixed(0),
        String(r.normal),
        String(r.withDcLoss),
        r.bindingLoss ?? '–',
        r.current === null ? '–' : String(r.current),
        money(r.costPerHour),
        rec(r.dc, r.serverType, r.tier) ? '*' : '',
      ]),
      tiered ? [0, 1, 2, 6, 9] : [0, 1, 5, 8],
    ),
    '',
    `cheapest (*): ${plan.recommended.map((r) => `${r.dc} ${r.servers} × ${r.tier ? `${r.tier}/` : ''}${r.serverType}`).join(', ')}: $${money(plan.totalCostPerHour)}/h`,
    ...(plan.bottleneckTier
      ? [`bottleneck tier: ${plan.bottleneckTier} (its servers as run carry the fewest front req/s)`]
      : []),
  ];
  if (plan.fleet.some((f) => f.status !== 'unknown')) {
    lines.push(
      '',
      "today's fleet with the worst DC lost:",
      ...table(
        ['dc', 'servers today', 'carries req/s', 'load req/s', 'headroom req/s', 'status'],
        plan.fleet.map((f) => [
          f.dc,
          Object.entries(f.current)
            .map(([t, n]) => `${n} × ${t}`)
            .join(', ') || '–',
          f.capacityRps === null ? '–' : f.capacityRps.toFixed(0),
          f.bindingLoadRps.toFixed(0),
          f.headroomRps === null ? '–' : f.headroomRps.toFixed(0),
          f.status,
        ]),
        [0, 1, 5],
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** --utilization, --spares, --growth into plan options (only those given); every bad value at once. */
export function planOptionsFromFlags(values: {
  utilization?: string;
  spares?: string;
  growth?: string;
}): Partial<PlanOptions> {
  const out: Partial<PlanOptions> = {};
  const c = collector();
  if (values.utilization !== undefined) {
    const u = c.check(() => share('--utilization', values.utilization!, { min: 0, max: 1 }));
    if (u === 0)
      c.problems.push(
        new ConfigError(
          commandLine,
          '--utilization',
          `value '${values.utilization}': expected a share above 0 and at most 1, such as 0.8`,
        ),
      );
    else if (u !== undefined) out.utilization = u;
  }
  if (values.spares !== undefined) {
    const n = c.check(() => count('--spares', values.spares!));
    if (n !== undefined) out.spares = n;
  }
  if (values.growth !== undefined) {
    const g = c.check(() => share('--growth', values.growth!));
    if (g !== undefined) out.growth = g;
  }
  c.throwIfAny();
  return out;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (parsed.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  const { values } = parsed;
  const c = collector();
  for (const flag of ['capacity', 'forecast'] as const) {
    if (!values[flag])
      c.problems.push(
        new ConfigError(
          commandLine,
          `--${flag}`,
          `missing; expected --${flag} ${spec.flags[flag].value}`,
          'see `headroom plan --help`',
        ),
      );
  }
  const options = c.check(() => planOptionsFromFlags(values));
  c.throwIfAny();
  const resolve = (p: string) => path.resolve(io.cwd, p);
  const { file, summary } = await readSummary(resolve(values.capacity!));
  const dcs = summary.cluster.dcs.map((d) => d.name);
  const forecast = { rows: readForecast(resolve(values.forecast!), dcs) };
  // The drill's and the report's plan: the same analysis of the run, here without steps or a baseline.
  const analysis = analyseRun({ summary, steps: [], forecast, options: { plan: options, redlineSource: file } });
  if (analysis.planError) throw analysis.planError;
  const { plan, range } = analysis as { plan: Plan; range: PlanRange };
  if (values.out) {
    const out = resolve(values.out);
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'plan.csv'), planCsv(plan));
    await writeFile(path.join(out, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
    if (!values.json) io.stderr.write(`wrote ${path.join(out, 'plan.csv')} and plan.json\n`);
  }
  io.stdout.write(values.json ? `${JSON.stringify(planJson(plan, range))}\n` : formatPlan(plan));
  return ExitCode.ok;
}
