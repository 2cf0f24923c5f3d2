// `headroom plan --capacity <run|summary.json> --forecast <csv> [--utilization 0.8] [--spares 1]
// [--growth 0.2] [--out DIR] [--json]`: servers per DC and server type, surviving any one DC lost.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, ExitCode, HeadroomError } from '../common';
import type { Plan, PlanOptions } from '../capacity';
import { money, planCsv, planFromSummary, readSummary } from '../report';
import type { CliIo } from './io';
import { parseFlags, parseShare } from './compare';

const usage = 'usage: headroom plan --capacity <run-dir|summary.json> --forecast <csv> [--utilization 0.8] [--spares 1] [--growth 0.2] [--out DIR] [--json]';

/** The JSON the issue fixes: only these fields, in this order. */
export function planJson(plan: Plan) {
  return {
    plan: plan.plan.map((r) => ({ dc: r.dc, serverType: r.serverType, normal: r.normal, withDcLoss: r.withDcLoss, bindingLoss: r.bindingLoss, current: r.current, costPerHour: r.costPerHour })),
    recommended: plan.recommended.map((r) => ({ dc: r.dc, serverType: r.serverType, servers: r.servers, costPerHour: r.costPerHour })),
  };
}

function table(head: string[], rows: string[][], left: number[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (left.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

export function formatPlan(plan: Plan): string {
  const rec = (dc: string, t: string) => plan.recommended.some((r) => r.dc === dc && r.serverType === t);
  const o = plan.options;
  const lines = [
    `utilization ${(o.utilization * 100).toFixed(0)}% of redline, ${o.spares} spare(s) per pool, default growth ${(o.growth * 100).toFixed(0)}%`,
    ...table(['dc', 'type', 'peak req/s', 'normal', 'with DC lost', 'binding loss', 'today', '$/h', ''],
      plan.plan.map((r) => [
        r.dc, r.serverType, r.peakRps.toFixed(0), String(r.normal), String(r.withDcLoss), r.bindingLoss ?? '–', r.current === null ? '–' : String(r.current),
        money(r.costPerHour), rec(r.dc, r.serverType) ? '*' : '',
      ]), [0, 1, 5, 8]),
    '',
    `cheapest (*): ${plan.recommended.map((r) => `${r.dc} ${r.servers} × ${r.serverType}`).join(', ')}: $${money(plan.totalCostPerHour)}/h`,
  ];
  if (plan.fleet.some((f) => f.status !== 'unknown')) {
    lines.push('', 'today\'s fleet with the worst DC lost:', ...table(['dc', 'servers today', 'carries req/s', 'load req/s', 'headroom req/s', 'status'],
      plan.fleet.map((f) => [
        f.dc, Object.entries(f.current).map(([t, n]) => `${n} × ${t}`).join(', ') || '–', f.capacityRps === null ? '–' : f.capacityRps.toFixed(0),
        f.bindingLoadRps.toFixed(0), f.headroomRps === null ? '–' : f.headroomRps.toFixed(0), f.status,
      ]), [0, 1, 5]));
  }
  return lines.join('\n') + '\n';
}

/** --utilization, --spares, --growth into plan options (only those given). */
export function planOptionsFromFlags(values: { utilization?: string; spares?: string; growth?: string }): Partial<PlanOptions> {
  const out: Partial<PlanOptions> = {};
  if (values.utilization !== undefined) {
    out.utilization = parseShare(values.utilization, '--utilization', { min: 0, max: 1 });
    if (out.utilization === 0) throw new ConfigError('command line', '--utilization', `value '${values.utilization}': expected a share above 0 and at most 1, such as 0.8`);
  }
  if (values.spares !== undefined) {
    const n = Number(values.spares);
    if (!/^\d+$/.test(values.spares.trim()) || !Number.isInteger(n)) throw new ConfigError('command line', '--spares', `value '${values.spares}': expected a whole number >= 0`);
    out.spares = n;
  }
  if (values.growth !== undefined) out.growth = parseShare(values.growth, '--growth');
  return out;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    capacity: { type: 'string' }, forecast: { type: 'string' }, utilization: { type: 'string' }, spares: { type: 'string' },
    growth: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  }, usage);
  if (values.help) { io.stdout.write(`${usage}\n`); return ExitCode.ok; }
  if (positionals.length) throw new HeadroomError(`unexpected argument '${positionals[0]}'\n${usage}`, ExitCode.usage);
  if (!values.capacity || !values.forecast) throw new HeadroomError(`plan needs --capacity and --forecast\n${usage}`, ExitCode.usage);
  const resolve = (p: string) => path.resolve(io.cwd, p);
  const { file, summary } = await readSummary(resolve(values.capacity));
  const plan = await planFromSummary(summary, file, resolve(values.forecast), planOptionsFromFlags(values));
  if (values.out) {
    const out = resolve(values.out);
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'plan.csv'), planCsv(plan));
    await writeFile(path.join(out, 'plan.json'), JSON.stringify(plan, null, 2) + '\n');
    if (!values.json) io.stderr.write(`wrote ${path.join(out, 'plan.csv')} and plan.json\n`);
  }
  io.stdout.write(values.json ? JSON.stringify(planJson(plan)) + '\n' : formatPlan(plan));
  return ExitCode.ok;
}
