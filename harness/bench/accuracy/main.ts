// `make accuracy`: first how much a twin and its generator move what they measure (interference), then every
// case of the accuracy suite twice (the pairs), then the table of redline against truth over each case's first
// run (stdout), the details per run and the pairs, and the same as Markdown in reports/accuracy-<time>/accuracy.md
// beside each run's files. Exit 0 when the targets are met (errors, intervals, pairs), 99 when not.
// ACCURACY_CASES=name,name runs a subset; ACCURACY_SECTIONS=interference or =cases runs one section.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode, type Logger, stderrLogger } from '../../common';
import { accuracyCases, cpuLimit, describeCase, redlineTiming, type AccuracyCaseSpec } from './cases';
import { formatInterference, measureInterference, type InterferenceResult } from './interference';
import { formatPairs } from './pairs';
import { runAccuracySuite, type CaseResult, type SuiteResult } from './suite';
import { formatAccuracy } from './truth';

const root = path.resolve(__dirname, '..', '..', '..');

/** Ports: the cases from 18300 (100 each, up to 18899), the interference from 18900 (20 per case, 10 for the ceiling). */
const CASE_PORTS = 18300;
const INTERFERENCE_PORTS = 18900;

/** The interference is measured on these cases (the reference, a fork per request, the high-rate server). */
const interferenceCases = ['feed2-cpu0.25', 'cgi-cpu0.25', 'static-cpu0.1'];

const truth = { shares: [0.6, 0.82], settleMs: 2000, windowMs: 5000, warmupMs: 20_000 };

/** What stands behind each row: where the truth came from, the drill replica's cost before and after, how the drill estimated. */
function details(runs: readonly CaseResult[]): string {
  const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? '–' : x.toFixed(d));
  return [
    '| case | run | service | CPU | truth from | truth ms/req | this replica ms/req before → after | before → after req/s | method | samples | ended by | ± | drill s | exit | runs |',
    '| --- | --- | --- | ---: | --- | ---: | --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (c) =>
        `| ${c.name} | ${c.run}${c.hog ? ', CPU hog' : ''} | ${describeCase(c.spec)} | ${c.spec.cpus} | ${c.truthFrom === 'twin' ? `twin, ${c.truthDetail.points.length} readings` : c.truthFrom} | ` +
        `${f(c.truthDetail.cpuMsPerRequest, 3)} | ${f(c.before?.cpuMsPerRequest, 3)} → ${f(c.after?.cpuMsPerRequest, 3)} | ` +
        `${f(c.before?.rps)} → ${f(c.after?.rps)} | ${c.result?.estimateMethod ?? '–'} | ${c.result?.samples ?? '–'} | ${c.result?.endedBy ?? '–'} | ` +
        `${c.result?.halfWidth === undefined ? '–' : `${(c.result.halfWidth * 100).toFixed(1)}%`} | ` +
        `${f(c.result?.durationS, 0)} | ${c.exitCode} | ${c.runs} |`,
    ),
    '',
  ].join('\n');
}

function selected(): { cases: AccuracyCaseSpec[]; sections: string[] } | string {
  const only = process.env.ACCURACY_CASES?.split(',').filter(Boolean);
  const cases = only ? accuracyCases.filter((c) => only.includes(c.name)) : [...accuracyCases];
  if (cases.length === 0)
    return `ACCURACY_CASES=${process.env.ACCURACY_CASES}: no such case; expected names among ${accuracyCases.map((c) => c.name).join(', ')}`;
  const sections = process.env.ACCURACY_SECTIONS?.split(',').filter(Boolean) ?? ['interference', 'cases'];
  const unknown = sections.filter((s) => s !== 'interference' && s !== 'cases');
  if (unknown.length || sections.length === 0)
    return `ACCURACY_SECTIONS=${process.env.ACCURACY_SECTIONS}: expected interference, cases or both (comma-separated)`;
  return { cases, sections };
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

type Out = (s: string) => void;

/** How much a twin and its generator move what they measure (see interference.ts); null once interrupted. */
async function interferenceSection(
  signal: AbortSignal,
  log: Logger,
  dir: string,
  out: Out,
): Promise<InterferenceResult | null> {
  if (signal.aborted) return null;
  const t0 = Date.now();
  const interference = await measureInterference({
    cases: accuracyCases.filter((c) => interferenceCases.includes(c.name)),
    rounds: 4,
    replicaShare: 0.65,
    truth,
    ceiling: {
      case: accuracyCases.find((c) => c.name === 'static-cpu0.1')!,
      cpus: 1,
      rates: [2000, 4000, 6000, 8000, 12_000, 16_000],
    },
    dir: path.join(dir, 'interference'),
    clusterPrefix: 'acc-i',
    firstPort: INTERFERENCE_PORTS,
    cwd: root,
    log,
    signal,
  });
  out(
    `## Interference: a replica at 0.65 of its quota, its twin idle or loaded (4 rounds; ${((Date.now() - t0) / 60_000).toFixed(1)} min)\n\n` +
      `${formatInterference(interference)}\n`,
  );
  return interference;
}

/** Every case twice and the table against truth; null once interrupted. */
async function casesSection(
  cases: readonly AccuracyCaseSpec[],
  signal: AbortSignal,
  log: Logger,
  dir: string,
  out: Out,
): Promise<SuiteResult | null> {
  if (signal.aborted) return null;
  const t0 = Date.now();
  const suite = await runAccuracySuite({
    cases,
    timing: redlineTiming,
    truth,
    dir,
    clusterPrefix: 'acc-',
    firstPort: CASE_PORTS,
    cwd: root,
    log,
    signal,
    attempts: 2,
    runs: 2,
  });
  out(
    `## Accuracy: each case's first (quiet) run\n\n${formatAccuracy(suite.report)}\n` +
      `## Every run\n\n${details(suite.runs.flat())}\n` +
      `## Pairs: each case twice, back to back\n\n${formatPairs(suite.pairs)}\n` +
      suite.failed.map((f) => `case ${f.name}: no result: ${f.reason}\n`).join('') +
      `CPU guard avg<${cpuLimit}; redline search: settle ${redlineTiming.settle}, measure ${redlineTiming.measure}, ` +
      `precision ±${(redlineTiming.precision * 100).toFixed(0)}%, budget ${redlineTiming.budget}, at least ${redlineTiming.repeats} search; ` +
      `cases ${((Date.now() - t0) / 60_000).toFixed(1)} min.\n`,
  );
  return suite;
}

async function main(): Promise<number> {
  const chosen = selected();
  if (typeof chosen === 'string') {
    process.stderr.write(`${chosen}\n`);
    return ExitCode.invalidConfig;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(root, 'reports', `accuracy-${stamp}`);
  fs.mkdirSync(dir, { recursive: true });
  const abort = new AbortController();
  const onSignal = () => abort.abort('SIGINT');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const log = stderrLogger();
  const started = Date.now();
  const loadAtStart = load();
  let text = '';
  const out = (s: string) => {
    text += s;
    process.stdout.write(s);
  };
  let ok = true;

  const interference = chosen.sections.includes('interference')
    ? await interferenceSection(abort.signal, log, dir, out)
    : null;
  if (interference?.failed.length) ok = false;
  const suite = chosen.sections.includes('cases')
    ? await casesSection(chosen.cases, abort.signal, log, dir, out)
    : null;
  if (suite && (!suite.report.meetsTargets || suite.failed.length > 0 || !suite.pairs.every((p) => p.met))) ok = false;
  out(
    `\nmake accuracy: ${((Date.now() - started) / 60_000).toFixed(1)} min; load average ${loadAtStart} at the start, ${load()} at the end.\n`,
  );
  fs.writeFileSync(path.join(dir, 'accuracy.md'), `# make accuracy, ${new Date().toISOString()}\n\n${text}`);
  process.stderr.write(`accuracy: ${path.relative(root, path.join(dir, 'accuracy.md'))}\n`);
  if (abort.signal.aborted) return ExitCode.interrupted;
  return ok ? ExitCode.ok : ExitCode.thresholdsFailed;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`accuracy: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = (err as { exitCode?: number }).exitCode ?? ExitCode.internal;
  },
);
