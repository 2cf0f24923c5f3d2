// This run against others: the regression test against a baseline run, and the redline trend over
// the past runs of the same cluster and scenario (reports/history.ndjson).
import type { HistoryEntry } from '../results';
import type { Comparison } from '../capacity';
import type { SectionSpec } from './page-spec';
import { colorOf, num, pct, r, typeColors } from './view-format';

export function comparisonSection(c: Comparison, baselineRunId: string): SectionSpec {
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

export function trendSection(history: HistoryEntry[], types: string[]): SectionSpec {
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
