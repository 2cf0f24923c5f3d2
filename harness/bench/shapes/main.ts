// `make shapes`: each service shape of clusters/shapes/ drilled with its first-drill scenario
// (scenarios/shapes/*.ts) by the compiled CLI, one after the other, and a table of what it found: the
// redline of each server type with its interval, the ratio of the half-CPU type's to the quarter-CPU
// type's (a replica with twice the quota should carry about twice the load: target 1.6-2.4), the drain.
// Targets of the range headroom must cover: the slow shape's quarter redline between 0.5 and 2 req/s, the
// static shape's best redline at 5,000 req/s or more. Exit 0 when every target is met, 99 when one is not.
// SHAPES=cgi,static runs a subset; the table is also written to reports/shapes-<time>/shapes.md.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ExitCode } from '../../common';
import type { RedlineResult, Summary } from '../../results';

const root = path.resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);
const all = ['cgi', 'slow', 'static', 'python', 'slowstart'];
const context: Record<string, string> = { slow: 'cgi' };

interface Row {
  shape: string;
  quarter: RedlineResult | undefined;
  half: RedlineResult | undefined;
  drain: string;
  exit: number;
  seconds: number;
  problems: string[];
}

const fmt = (r: RedlineResult | undefined) =>
  !r || r.rpsPerReplica === null
    ? `none (${r?.status ?? 'missing'})`
    : `${r.rpsPerReplica} [${r.interval?.join(', ') ?? '–'}] (${r.probes} probes, ${r.durationS} s)`;

async function drill(shape: string, dir: string): Promise<Row> {
  const out = path.join(dir, shape);
  const started = Date.now();
  let exit = 0;
  try {
    await run(
      process.execPath,
      [path.join(root, 'dist', 'harness', 'cli', 'bin.js'), 'drill', `scenarios/shapes/${shape}.ts`, '--out', out],
      { cwd: root, env: { ...process.env, HEADROOM_LIVE: '0' }, maxBuffer: 1 << 26 },
    );
  } catch (err) {
    exit = (err as { code?: number }).code ?? 1;
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  let summary: Summary | null = null;
  try {
    summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
  } catch {
    summary = null;
  }
  const by = (t: string) => summary?.redlines.find((r) => r.serverType === t);
  const d = summary?.drains[0];
  const row: Row = {
    shape,
    quarter: by('quarter'),
    half: by('half'),
    drain: d ? `held ${(d.heldShare * 100).toFixed(0)}% of ${d.totalRps} req/s, broken by ${d.brokenBy}` : 'none',
    exit,
    seconds,
    problems: [],
  };
  const q = row.quarter?.rpsPerReplica ?? null;
  const h = row.half?.rpsPerReplica ?? null;
  if (exit !== 0) row.problems.push(`exit ${exit}`);
  if (q === null || h === null) row.problems.push('a server type without a redline');
  else if (h / q < 1.6 || h / q > 2.4) row.problems.push(`half/quarter ${(h / q).toFixed(2)} outside 1.6-2.4`);
  if (shape === 'slow' && q !== null && (q < 0.5 || q > 2)) row.problems.push(`quarter ${q} req/s outside 0.5-2`);
  if (shape === 'static' && Math.max(q ?? 0, h ?? 0) < 5000) row.problems.push('no redline at 5,000 req/s or more');
  return row;
}

async function main(): Promise<number> {
  const only = process.env.SHAPES?.split(',').filter(Boolean);
  const shapes = only ?? all;
  const unknown = shapes.filter((s) => !all.includes(s));
  if (unknown.length) {
    process.stderr.write(`SHAPES: no shape ${unknown.join(', ')}; expected names among ${all.join(', ')}\n`);
    return ExitCode.invalidConfig;
  }
  await run('bash', [
    path.join(root, 'clusters', 'shapes', 'prepare.sh'),
    ...new Set(shapes.map((s) => context[s] ?? s)),
  ]);
  const dir = path.join(root, 'reports', `shapes-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(dir, { recursive: true });
  const rows: Row[] = [];
  for (const shape of shapes) {
    process.stderr.write(`shapes: ${shape}...\n`);
    rows.push(await drill(shape, dir));
  }
  const ratio = (r: Row) =>
    r.quarter?.rpsPerReplica && r.half?.rpsPerReplica
      ? (r.half.rpsPerReplica / r.quarter.rpsPerReplica).toFixed(2)
      : '–';
  const lines = [
    '| shape | quarter CPU: redline req/s per replica | half CPU | half/quarter | drain | s | verdict |',
    '| --- | --- | --- | ---: | --- | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.shape} | ${fmt(r.quarter)} | ${fmt(r.half)} | ${ratio(r)} | ${r.drain} | ${r.seconds} | ${r.problems.join('; ') || 'ok'} |`,
    ),
    '',
    `targets: half/quarter 1.6-2.4 (the quota ratio is 2), slow quarter 0.5-2 req/s, static at 5,000 req/s or more; load average at the end ${(await import('node:os')).loadavg()[0].toFixed(1)}`,
  ];
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(text);
  fs.writeFileSync(path.join(dir, 'shapes.md'), text);
  return rows.some((r) => r.problems.length) ? ExitCode.thresholdsFailed : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
