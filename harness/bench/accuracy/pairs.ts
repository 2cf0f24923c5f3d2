// Each case's two runs side by side: do their redline intervals overlap, and when they do not, did a run say
// (in its verdict's cautions) that the cost per request moved during its search, and by how much? A pair that
// neither overlaps nor warns is a missed target: the drill gave two confident answers that disagree. Pure.
import type { RedlineDrift } from '../../results';

export interface PairRun {
  truth: number | null;
  redline: number | null;
  interval: [number, number] | null;
  /** The run had a CPU hog on the machine. */
  busy: boolean;
  /** How the cost per request moved during the search (the redline result's drift), when it was measured. */
  drift: RedlineDrift | null;
  /** The run's verdict's caution on the redline (summary.json `cautions`), null without one. */
  caution: string | null;
}

export interface PairRow {
  name: string;
  runs: [PairRun, PairRun];
  /** Null when a run has no interval. */
  overlap: boolean | null;
  /** The run whose caution counts: the busy one, or either of two quiet ones. */
  warned: boolean;
  met: boolean;
}

export function intervalsOverlap(a: [number, number] | null, b: [number, number] | null): boolean | null {
  if (!a || !b) return null;
  return Math.max(a[0], b[0]) <= Math.min(a[1], b[1]);
}

export function pairRow(name: string, first: PairRun, second: PairRun): PairRow {
  const overlap = intervalsOverlap(first.interval, second.interval);
  const busy = [first, second].filter((r) => r.busy);
  const warned = (busy.length ? busy : [first, second]).some((r) => r.caution !== null);
  return { name, runs: [first, second], overlap, warned, met: overlap === true || warned };
}

const f1 = (x: number | null) => (x === null ? '–' : x.toFixed(1));
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
const interval = (r: PairRun) => (r.interval ? `${f1(r.interval[0])}–${f1(r.interval[1])}` : '–');
const error = (r: PairRun) =>
  r.redline === null || r.truth === null ? '–' : `${(((r.redline - r.truth) / r.truth) * 100).toFixed(1)}%`;

/** What a run said of its cost per request: the move and whether it was significant, and its caution. */
function drift(r: PairRun): string {
  if (!r.drift) return '–';
  const moved = `${pct(r.drift.change)}${r.drift.significant ? '' : ' (not significant)'}`;
  return r.caution ? `${moved}, caution` : moved;
}

/** The pairs table (Markdown) and its line of targets. */
export function formatPairs(rows: readonly PairRow[]): string {
  const lines = [
    '| case | run 1 | redline [95% interval] | error | cost moved | run 2 | redline [95% interval] | error | cost moved | overlap | busy run warned | target |',
    '| --- | --- | --- | ---: | --- | --- | --- | ---: | --- | --- | --- | --- |',
    ...rows.map((p) => {
      const cells = p.runs.flatMap((r) => [
        r.busy ? 'CPU hog' : 'quiet',
        `${f1(r.redline)} [${interval(r)}]`,
        error(r),
        drift(r),
      ]);
      const hasBusy = p.runs.some((r) => r.busy);
      return `| ${p.name} | ${cells.join(' | ')} | ${p.overlap === null ? '–' : p.overlap ? 'yes' : 'no'} | ${hasBusy ? (p.warned ? 'yes' : 'no') : '–'} | ${p.met ? 'met' : 'MISSED'} |`;
    }),
    '',
    `pairs: ${rows.filter((p) => p.met).length} of ${rows.length} overlap or say the cost per request moved (target: all); ` +
      `${rows.every((p) => p.met) && rows.length > 0 ? 'target met' : 'target NOT met'}`,
  ];
  const cautions = rows.flatMap((p) =>
    p.runs.flatMap((r, i) => (r.caution ? [`- ${p.name}, run ${i + 1}: ${r.caution}`] : [])),
  );
  return `${[...lines, ...(cautions.length ? ['', 'What the runs said:', ...cautions] : [])].join('\n')}\n`;
}
