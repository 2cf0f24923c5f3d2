// Shapes a run into what the page shows: the badge and its reasons, the verdict, the run's facts and
// its sections in order, each built in its own file. Pure; the page script only draws it.
import type { HistoryEntry, StepRecord, Summary } from '../results';
import type { Comparison, Plan } from '../capacity';
import { comparisonSection, trendSection } from './comparison-views';
import { drainCharts, failoverCharts } from './drill-views';
import { overviewSection, runFacts } from './overview-view';
import type { ReportData, SectionSpec } from './page-spec';
import { planSection } from './plan-view';
import { redlinesSection, redlineViews } from './redline-view';
import { tiersSection } from './tiers-view';
import { money, num, pct } from './view-format';

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

/** The reasons a run failed, for the badge: summary.failures, and the comparison's regressions when the summary has none. */
export function badgeReasons(summary: Summary, comparison?: Comparison): string[] {
  const failures = summary.failures ?? [];
  const reasons = failures.map((f) => `${f.kind} ${f.name}`);
  if (!failures.some((f) => f.kind === 'regression'))
    for (const t of comparison?.regressed ?? []) reasons.push(`regression ${t}`);
  // A caution does not fail the run, but the badge says it beside the status: the figures may not hold.
  for (const c of summary.cautions ?? []) reasons.push(`caution: ${c.kind} ${c.name}`);
  return reasons;
}

function verdictOf(summary: Summary, plan?: Plan, comparison?: Comparison, planError?: string): string[] {
  const lines: string[] = [];
  if (planError) lines.push(`No plan: ${planError}`);
  if (summary.error) lines.push(`The run stopped with an error: ${summary.error}`);
  for (const c of summary.cautions ?? []) lines.push(`Caution, ${c.name}: ${c.detail}.`);
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

export function buildReportData(input: ReportInput): ReportData {
  const { summary, steps, run, plan, comparison } = input;
  const dcs = summary.cluster.dcs.map((d) => d.name);
  const types = Object.keys(summary.cluster.serverTypes);
  const views = redlineViews(summary, steps);

  const sections: SectionSpec[] = [...(input.leadSections ?? []), overviewSection(summary, types)];
  const tiers = tiersSection(summary, plan);
  if (tiers) sections.push(tiers);
  const redlines = redlinesSection(summary, steps, views, types);
  if (redlines) sections.push(redlines);
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
    facts: runFacts(summary, steps, run),
    sections,
    generatedBy: 'headroom',
  };
}
