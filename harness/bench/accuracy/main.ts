// `make accuracy`: every case of the accuracy suite, then the table of redline against truth (stdout),
// the details per case, and the same as Markdown in reports/accuracy-<time>/accuracy.md beside each
// case's run. Exit 0 when the targets are met, 99 when not. ACCURACY_CASES=name,name runs a subset.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExitCode, stderrLogger } from '../../common';
import { accuracyCases, cpuLimit, redlineTiming } from './cases';
import { runAccuracySuite, type CaseResult } from './suite';
import { formatAccuracy } from './truth';

const root = path.resolve(__dirname, '..', '..', '..');

/** What stands behind each row: where the truth came from, the drill replica's cost before and after, how the drill estimated. */
function details(cases: readonly CaseResult[]): string {
  const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? '–' : x.toFixed(d));
  return [
    '| case | FEED_CPU_MS | CPU | truth from | truth ms/req | this replica ms/req before → after | before → after req/s | method | samples | drill s | exit | runs |',
    '| --- | ---: | ---: | --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: |',
    ...cases.map(
      (c) =>
        `| ${c.name} | ${c.spec.feedCpuMs} | ${c.spec.cpus} | ${c.truthFrom === 'twin' ? `twin, ${c.truthDetail.points.length} readings` : c.truthFrom} | ` +
        `${f(c.truthDetail.cpuMsPerRequest, 2)} | ${f(c.before?.cpuMsPerRequest, 2)} → ${f(c.after?.cpuMsPerRequest, 2)} | ` +
        `${f(c.before?.rps)} → ${f(c.after?.rps)} | ${c.result?.estimateMethod ?? '–'} | ${c.result?.samples ?? '–'} | ` +
        `${f(c.result?.durationS, 0)} | ${c.exitCode} | ${c.runs} |`,
    ),
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const only = process.env.ACCURACY_CASES?.split(',').filter(Boolean);
  const cases = only ? accuracyCases.filter((c) => only.includes(c.name)) : accuracyCases;
  if (cases.length === 0) {
    process.stderr.write(
      `ACCURACY_CASES=${process.env.ACCURACY_CASES}: no such case; expected names among ${accuracyCases.map((c) => c.name).join(', ')}\n`,
    );
    return ExitCode.invalidConfig;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(root, 'reports', `accuracy-${stamp}`);
  const abort = new AbortController();
  const onSignal = () => abort.abort('SIGINT');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = Date.now();
  const {
    cases: results,
    failed,
    report,
  } = await runAccuracySuite({
    cases,
    timing: redlineTiming,
    truth: { shares: [0.6, 0.82], settleMs: 2000, windowMs: 5000, warmupMs: 20_000 },
    dir,
    clusterPrefix: 'acc-',
    firstPort: 28100,
    cwd: root,
    log: stderrLogger(),
    signal: abort.signal,
    attempts: 2,
  });
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const text =
    `${formatAccuracy(report)}\n${details(results)}\n` +
    failed.map((f) => `case ${f.name}: no result: ${f.reason}\n`).join('') +
    `CPU guard avg<${cpuLimit}; redline search: settle ${redlineTiming.settle}, measure ${redlineTiming.measure}, ` +
    `repeats ${redlineTiming.repeats}; ${minutes} min.\n`;
  process.stdout.write(text);
  fs.writeFileSync(path.join(dir, 'accuracy.md'), `# make accuracy, ${new Date().toISOString()}\n\n${text}`);
  process.stderr.write(`accuracy: ${path.relative(root, path.join(dir, 'accuracy.md'))}\n`);
  if (abort.signal.aborted) return ExitCode.interrupted;
  return report.meetsTargets && failed.length === 0 ? ExitCode.ok : ExitCode.thresholdsFailed;
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
