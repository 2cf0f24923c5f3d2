import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareRuns } from '../capacity';
import { junitXml, xmlAttr, xmlText } from './junit';
import { readRun, readSummary, type Summary } from '../results';

const fixtures = path.join(__dirname, 'fixtures');
const schema = path.join(fixtures, 'junit.xsd');

// The schema test needs xmllint; make test installs it (ensure-xmllint.sh), here it is asked for once.
execFileSync('bash', [path.join(__dirname, 'ensure-xmllint.sh')], { stdio: 'inherit' });

/** xmllint's verdict on a document: ok, or its complaints. */
function validate(xml: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-junit-'));
  try {
    const file = path.join(dir, 'junit.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', '--schema', schema, file], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (v: string) =>
  v.replace(/&(#x?[0-9a-fA-F]+|\w+);/g, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : entities[e],
  );
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? decode(m[1]) : null;
};

/** Test cases with their suite and failure or error message; the document is valid (checked first), so a plain scan reads it. */
function cases(xml: string): { suite: string; name: string; failure: string | null; error: string | null }[] {
  const out: { suite: string; name: string; failure: string | null; error: string | null }[] = [];
  let suite = '';
  for (const m of xml.matchAll(/<(testsuite|testcase|failure|error)\s[^>]*>/g)) {
    const tag = m[0];
    if (m[1] === 'testsuite') suite = attr(tag, 'name')!;
    else if (m[1] === 'testcase') out.push({ suite, name: attr(tag, 'name')!, failure: null, error: null });
    else out[out.length - 1][m[1] as 'failure' | 'error'] = attr(tag, 'message');
  }
  return out;
}

test('the schema refuses what CI servers refuse: the validator is really checking', () => {
  assert.equal(
    validate(
      '<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="x" classname="c"/></testsuite></testsuites>',
    ).ok,
    true,
  );
  const noName = validate(
    '<testsuites><testsuite tests="1" failures="0" errors="0"><testcase classname="c"/></testsuite></testsuites>',
  );
  assert.equal(noName.ok, false);
  assert.match(noName.output, /name/);
  assert.equal(
    validate('<testsuites><testsuite name="s" tests="one" failures="0" errors="0"/></testsuites>').ok,
    false,
  );
  assert.equal(
    validate(
      '<testsuites><testsuite name="s" tests="0" failures="0" errors="0" timestamp="2026-11-27T18:00:00.000Z"/></testsuites>',
    ).ok,
    false,
  );
});

test('a run with a lost survivor: one case per threshold, guard of lose-dc steps, redline and survivor, valid against the schema', async () => {
  const run = await readRun(path.join(fixtures, 'run-3dc'));
  const xml = junitXml({
    summary: run.summary,
    steps: run.steps,
    reportPath: 'reports/20261127-180000-capacity-drill/index.html',
  });
  const v = validate(xml);
  assert.equal(v.ok, true, v.output);
  const got = cases(xml);
  // 1 run + 2 thresholds + 3 lose-dc steps x 3 guards + 2 redlines + 1 sweep + 3 failovers x 2 survivors
  assert.equal(got.length, 1 + 2 + 9 + 3 + 6);
  assert.deepEqual(
    got.filter((c) => c.failure).map((c) => [c.suite, c.name, c.failure]),
    [
      [
        'capacity-drill: guards',
        'lose-use2 step 27: http_req_duration: p(99)<250',
        'http_req_duration p(99)<250 broke with use2 lost: value 352.2 at 2200 req/s (offered 2200); p99 352.2 ms, errors 4.00%',
      ],
      [
        'capacity-drill: guards',
        'lose-use2 step 27: http_req_failed: rate<0.01',
        'http_req_failed rate<0.01 broke with use2 lost: value 0.04 at 2200 req/s (offered 2200); p99 352.2 ms, errors 4.00%',
      ],
      [
        'capacity-drill: dc-loss',
        'lose-use2: lose use2 (weight), survivor use1',
        'use1 did not survive the loss of use2: 1570.8 req/s on use1 against a capacity of 1485 (105.80% of it); ' +
          'p99 352.2 ms, errors 4.00%; broken by http_req_duration: p(99)<250',
      ],
    ],
  );
  assert.match(xml, /<testsuites name="headroom capacity-drill" tests="21" failures="3" errors="0" time="755.000">/);
  assert.match(xml, /<property name="report" value="reports\/20261127-180000-capacity-drill\/index.html"\/>/);
});

test('against a baseline: one case per server type, the regression and its figures in the failure message', async () => {
  const a = await readRun(path.join(fixtures, 'run-3dc'));
  const b = await readRun(path.join(fixtures, 'run-3dc-costlier'));
  const xml = junitXml({ summary: b.summary, comparison: compareRuns(a, b, 0.05) });
  const v = validate(xml);
  assert.equal(v.ok, true, v.output);
  const redlines = cases(xml).filter((c) => c.suite === 'capacity-drill: redlines');
  assert.deepEqual(
    redlines.map((c) => [c.name, c.failure]),
    [
      [
        'redline gen1 against the baseline',
        'gen1: CPU per request +25.0% (Hodges-Lehmann, 15 vs 15 samples): regressed: rank test ' +
          'p < 0.0001 < 0.01 and the rise is at least +5.0%; Redline: not compared (no redline with an interval in 20261127-180000-capacity-drill); ' +
          "CPU samples: each probe's CPU ms per request net of 10.0 ms/s of at-rest CPU, moved to the start of the search along the shared drift of +0.0%/min",
      ],
      [
        'redline gen2 against the baseline',
        'gen2: CPU per request +25.0% (Hodges-Lehmann, 7 vs 7 samples): regressed: rank test ' +
          'p 0.0011 < 0.01 and the rise is at least +5.0%; Redline: not compared (no redline with an interval in 20261127-180000-capacity-drill); ' +
          "CPU samples: each probe's CPU ms per request net of 13.8 ms/s of at-rest CPU, moved to the start of the search along the shared drift of +0.0%/min",
      ],
    ],
  );
});

test('the run case fails for a safety stop only: a regression or a threshold is failed in its own case', async () => {
  const a = await readRun(path.join(fixtures, 'run-3dc'));
  const b = await readRun(path.join(fixtures, 'run-3dc-costlier'));
  const regressed: Summary = {
    ...b.summary,
    failovers: [],
    status: 'failed',
    failures: [{ kind: 'regression', name: 'gen1', detail: 'regressed against the baseline' }],
    error: 'regression gen1: regressed against the baseline',
  };
  const runCase = (summary: Summary) =>
    cases(junitXml({ summary, comparison: compareRuns(a, b, 0.05) })).find((c) => c.suite === 'capacity-drill: run');
  assert.equal(runCase(regressed)?.failure, null);
  const stopped: Summary = {
    ...regressed,
    failures: [...(regressed.failures ?? []), { kind: 'safety', name: 'safety', detail: 'error rate 0.6 over 0.5' }],
  };
  assert.equal(runCase(stopped)?.failure, 'safety: error rate 0.6 over 0.5');
});

test('hostile names survive escaping: markup, quotes, newlines and characters XML cannot hold', async () => {
  const { summary } = await readSummary(path.join(fixtures, 'run-3dc'));
  const nasty = 'p(99)<250 & "x" \'y\' ]]> </failure><x/>\nline2\u0001\u0007\uD800';
  summary.thresholds = { [nasty]: { ok: false, value: 3 } };
  summary.scenario = '<evil & "scenario">';
  summary.status = 'error';
  summary.error = 'docker said <nope>\u001b[31m';
  const xml = junitXml({ summary });
  const v = validate(xml);
  assert.equal(v.ok, true, v.output);
  const got = cases(xml);
  const threshold = got.find((c) => c.name.startsWith('threshold '))!;
  // The newline survives as a character reference; the characters XML 1.0 forbids become U+FFFD.
  assert.equal(threshold.name, 'threshold p(99)<250 & "x" \'y\' ]]> </failure><x/>\nline2\uFFFD\uFFFD\uFFFD');
  assert.equal(threshold.failure, `${threshold.name.slice('threshold '.length)} failed over the whole run: value 3`);
  assert.equal(got[0].error, 'docker said <nope>\uFFFD[31m');
  assert.equal(xmlText('a<b>&c'), 'a&lt;b&gt;&amp;c');
  assert.equal(xmlAttr('"\t\r\n'), '&quot;&#9;&#13;&#10;');
  assert.equal(xmlText('😀'), '😀');
});
