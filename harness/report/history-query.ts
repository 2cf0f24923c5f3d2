// Questions asked of reports/history.ndjson: which runs (cluster, scenario, since, last N), each server
// type's redline over them with its interval, the trend per week, and the runs that regressed. Pure.
import type { HistoryEntry } from '../results';

/** A history line as read: today's fields plus those newer drills add (tier, interval, regressed). */
export interface HistoryLine extends Omit<HistoryEntry, 'redlines'> {
  redlines: {
    serverType: string;
    tier?: string;
    rpsPerReplica: number | null;
    cpuMsPerRequest: number | null;
    /** 95% interval of the redline, when the drill estimated one. */
    interval?: [number, number] | null;
  }[];
  /** Server types (`tier/type` with tiers) the drill itself found regressed against its baseline. */
  regressed?: string[];
}

export interface HistorySelection {
  cluster?: string;
  scenario?: string;
  /** Runs that ended at or after this instant (ms since the epoch). */
  sinceMs?: number;
  /** The last N runs left after the other filters. */
  last?: number;
}

export interface HistoryPoint {
  runId: string;
  endedAt: string;
  status: HistoryEntry['status'];
  rpsPerReplica: number | null;
  interval: [number, number] | null;
  cpuMsPerRequest: number | null;
  /** Change from the series' previous run with a redline (share), null for the first. */
  change: number | null;
  regressed: boolean;
}

export interface HistoryTrend {
  /** Least-squares slope of the redline over time, req/s per replica per week. */
  perWeek: number;
  /** The slope as a share of the series' mean redline, per week. */
  perWeekShare: number;
  /** Runs the line was fitted through. */
  runs: number;
}

export interface HistorySeries {
  cluster: string;
  scenario: string;
  tier: string | null;
  serverType: string;
  points: HistoryPoint[];
  trend: HistoryTrend | null;
}

export interface HistoryRegression {
  runId: string;
  endedAt: string;
  cluster: string;
  scenario: string;
  tier: string | null;
  serverType: string;
  from: number | null;
  to: number | null;
  change: number | null;
  /** `drill`: the drill said so against its baseline; `history`: a fall from the previous run beyond maxDrop. */
  source: 'drill' | 'history';
}

export interface HistoryView {
  selection: HistorySelection & { maxDrop: number };
  runs: { runId: string; endedAt: string; cluster: string; scenario: string; status: HistoryEntry['status'] }[];
  series: HistorySeries[];
  regressions: HistoryRegression[];
}

const WEEK_MS = 7 * 24 * 3_600_000;
const typeKey = (tier: string | null, serverType: string) => (tier ? `${tier}/${serverType}` : serverType);

/** Runs matching the selection, oldest first (by end time; file order among equal times). The report's trend chart uses it too. */
export function selectHistory<T extends HistoryEntry | HistoryLine>(entries: T[], sel: HistorySelection): T[] {
  const time = (e: T) => Date.parse(e.endedAt);
  const picked = entries
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => sel.cluster === undefined || e.cluster === sel.cluster)
    .filter(({ e }) => sel.scenario === undefined || e.scenario === sel.scenario)
    .filter(({ e }) => sel.sinceMs === undefined || time(e) >= sel.sinceMs)
    .sort((a, b) => (time(a.e) || 0) - (time(b.e) || 0) || a.i - b.i)
    .map(({ e }) => e);
  return sel.last !== undefined ? picked.slice(Math.max(0, picked.length - sel.last)) : picked;
}

/** Least squares of value against time; null with fewer than two runs at distinct times or a mean of 0. */
export function trendOf(points: { atMs: number; value: number }[]): HistoryTrend | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.atMs, 0) / n;
  const my = points.reduce((s, p) => s + p.value, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.atMs - mx) ** 2, 0);
  if (sxx === 0 || my === 0) return null;
  const slopePerMs = points.reduce((s, p) => s + (p.atMs - mx) * (p.value - my), 0) / sxx;
  return { perWeek: slopePerMs * WEEK_MS, perWeekShare: (slopePerMs * WEEK_MS) / my, runs: n };
}

/** The view `headroom history` prints: series per cluster, scenario, tier and server type, in a stable order. */
export function historyView(entries: HistoryLine[], sel: HistorySelection, maxDrop = 0.05): HistoryView {
  const runs = selectHistory(entries, sel);
  const series = new Map<string, HistorySeries & { atMs: number[] }>();
  const regressions: HistoryRegression[] = [];
  for (const run of runs) {
    for (const r of run.redlines) {
      const tier = r.tier ?? null;
      const key = JSON.stringify([run.cluster, run.scenario, tier, r.serverType]);
      let s = series.get(key);
      if (!s) {
        s = {
          cluster: run.cluster,
          scenario: run.scenario,
          tier,
          serverType: r.serverType,
          points: [],
          trend: null,
          atMs: [],
        };
        series.set(key, s);
      }
      const prev = [...s.points].reverse().find((p) => p.rpsPerReplica !== null);
      const from = prev?.rpsPerReplica ?? null;
      const to = r.rpsPerReplica;
      const change = from !== null && from > 0 ? (to === null ? -1 : (to - from) / from) : null;
      const byDrill = run.regressed?.includes(typeKey(tier, r.serverType)) ?? false;
      const byHistory = change !== null && change < -maxDrop - 1e-12;
      s.points.push({
        runId: run.runId,
        endedAt: run.endedAt,
        status: run.status,
        rpsPerReplica: to,
        interval: r.interval ?? null,
        cpuMsPerRequest: r.cpuMsPerRequest,
        change,
        regressed: byDrill || byHistory,
      });
      s.atMs.push(Date.parse(run.endedAt));
      if (byDrill || byHistory) {
        regressions.push({
          runId: run.runId,
          endedAt: run.endedAt,
          cluster: run.cluster,
          scenario: run.scenario,
          tier,
          serverType: r.serverType,
          from,
          to,
          change,
          source: byDrill ? 'drill' : 'history',
        });
      }
    }
  }
  const out = [...series.values()].map(({ atMs, ...s }) => ({
    ...s,
    trend: trendOf(
      s.points.flatMap((p, i) =>
        p.rpsPerReplica === null || Number.isNaN(atMs[i]) ? [] : [{ atMs: atMs[i], value: p.rpsPerReplica }],
      ),
    ),
  }));
  out.sort(
    (a, b) =>
      a.cluster.localeCompare(b.cluster) ||
      a.scenario.localeCompare(b.scenario) ||
      (a.tier ?? '').localeCompare(b.tier ?? '') ||
      a.serverType.localeCompare(b.serverType),
  );
  return {
    selection: { ...sel, maxDrop },
    runs: runs.map((r) => ({
      runId: r.runId,
      endedAt: r.endedAt,
      cluster: r.cluster,
      scenario: r.scenario,
      status: r.status,
    })),
    series: out,
    regressions,
  };
}

const fixed = (x: number | null | undefined, d: number) => (x === null || x === undefined ? '–' : x.toFixed(d));
const signedPct = (x: number | null, d = 1) => (x === null ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(d)}%`);

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const cell = (c: string, i: number, n: number) =>
    i < 2 || i === n - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => cell(c, i, cells.length))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

/** The text `headroom history` prints. */
export function formatHistory(v: HistoryView): string {
  if (!v.runs.length) return 'no runs in the history match the selection\n';
  const out: string[] = [];
  for (const s of v.series) {
    const name = `${s.cluster} · ${s.scenario} · ${s.tier ? `${s.tier}/` : ''}${s.serverType}`;
    const trend = s.trend
      ? `trend ${s.trend.perWeek >= 0 ? '+' : ''}${s.trend.perWeek.toFixed(1)} req/s per week ` +
        `(${signedPct(s.trend.perWeekShare)} per week, ${s.trend.runs} runs)`
      : 'trend – (fewer than two runs with a redline)';
    out.push(`${name}: ${trend}`);
    out.push(
      ...table(
        ['run', 'ended', 'redline', 'interval', 'change', 'cpu ms/req', 'status'],
        s.points.map((p) => [
          p.runId,
          p.endedAt.slice(0, 16).replace('T', ' '),
          fixed(p.rpsPerReplica, 1),
          p.interval ? `${p.interval[0].toFixed(1)}–${p.interval[1].toFixed(1)}` : '–',
          signedPct(p.change),
          fixed(p.cpuMsPerRequest, 3),
          `${p.status}${p.regressed ? ' REGRESSED' : ''}`,
        ]),
      ).map((l) => `  ${l}`),
    );
    out.push('');
  }
  if (v.regressions.length) {
    out.push(
      `regressed (a fall beyond ${(v.selection.maxDrop * 100).toFixed(1)}% from the previous run, or flagged by the drill):`,
    );
    for (const r of v.regressions) {
      const type = `${r.tier ? `${r.tier}/` : ''}${r.serverType}`;
      out.push(
        `  ${r.runId}  ${type}: ${fixed(r.from, 1)} -> ${fixed(r.to, 1)} req/s per replica (${signedPct(r.change)})`,
      );
    }
  } else {
    out.push('no run regressed');
  }
  return `${out.join('\n')}\n`;
}
