// A run's verdicts as JUnit XML, so Jenkins, GitLab and GitHub show a drill's failures inline.
// Pure: the run's analysis (summary, comparison) and its steps in, XML text out; the caller writes the file.
import type { Comparison } from '../capacity';
import type { StepRecord, Summary } from '../results';

export interface JunitInput {
  summary: Summary;
  /** The steps of the run: the guards of `hold` and `lose-dc` steps become test cases. */
  steps?: StepRecord[];
  /** Against a baseline: one test case per server type, failed when it regressed. */
  comparison?: Comparison;
  /** Where the HTML report is, shown in each suite's system-out. */
  reportPath?: string;
}

interface Case {
  name: string;
  classname: string;
  timeS?: number;
  failure?: { type: string; message: string; detail?: string };
  error?: { type: string; message: string };
  out?: string;
}

interface Suite {
  name: string;
  cases: Case[];
}

// XML 1.0 cannot carry these even escaped (C0 controls but tab, newline and return; lone surrogates; U+FFFE/F).
const NOT_XML = new RegExp(
  [
    '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]',
    '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])',
    '(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]',
  ].join('|'),
  'g',
);

/** Text content: markup characters escaped, characters XML cannot hold replaced by U+FFFD. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes; newlines and tabs as character references, or a parser folds them into spaces. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const num = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? 'n/a' : Number(x.toFixed(digits)).toString();
const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(2)}%`);
const signedPct = (x: number | null) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
/** ISO time without zone or fraction: the form both the ant and the Jenkins JUnit schemas accept (UTC here). */
const stamp = (iso: string) => (Number.isNaN(Date.parse(iso)) ? undefined : new Date(iso).toISOString().slice(0, 19));
const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) || 0;

function runCase(s: Summary): Case {
  const c: Case = {
    name: `run ${s.runId}: status ${s.status}`,
    classname: `headroom.${s.scenario}.run`,
    timeS: seconds(s.startedAt, s.endedAt),
  };
  if (s.status === 'error' || s.status === 'interrupted') {
    c.error = { type: s.status, message: s.error ?? `the drill ended with status ${s.status}` };
  } else if (s.status === 'failed') {
    // A safety stop fails the run without a threshold saying so; thresholds, survivors and regressions have cases
    // of their own. A summary that does not list its failures says only its error.
    const stop = s.failures?.find((f) => f.kind === 'safety' || f.kind === 'error');
    const message = s.failures ? stop && `${stop.name}: ${stop.detail}` : s.error;
    if (message) c.failure = { type: 'stopped', message };
  }
  return c;
}

function thresholdCases(s: Summary): Case[] {
  return Object.entries(s.thresholds).map(([name, t]) => ({
    name: `threshold ${name}`,
    classname: `headroom.${s.scenario}.thresholds`,
    ...(t.ok
      ? {}
      : { failure: { type: 'threshold', message: `${name} failed over the whole run: value ${num(t.value, 4)}` } }),
  }));
}

/** Guards decide pass or fail only where load is meant to hold: a hold and a lost DC. In a redline search or a
 * drain a breach is the measurement. */
function guardCases(s: Summary, steps: StepRecord[]): Case[] {
  const out: Case[] = [];
  for (const step of steps) {
    if (step.kind !== 'hold' && step.kind !== 'lose-dc') continue;
    for (const g of step.guards) {
      const where =
        step.kind === 'lose-dc'
          ? `with ${step.lostDc ?? step.target.name} lost`
          : `on ${step.target.kind} ${step.target.name}`;
      const c: Case = {
        name: `${step.drill} step ${step.index}: ${g.name}`,
        classname: `headroom.${s.scenario}.guards`,
        timeS: seconds(step.startedAt, step.endedAt),
      };
      if (!g.ok) {
        c.failure = {
          type: 'guard',
          message:
            `${g.metric} ${g.expression} broke ${where}: value ${num(g.value, 4)} at ${num(step.achievedRps)} req/s` +
            ` (offered ${num(step.offeredRps)}); p99 ${num(step.targetFigures.p99Ms)} ms, errors ${pct(step.targetFigures.errorRate)}`,
        };
      }
      out.push(c);
    }
  }
  return out;
}

function redlineCases(s: Summary, comparison?: Comparison): Case[] {
  const classname = `headroom.${s.scenario}.redlines`;
  if (comparison) {
    return comparison.types.map((t) => {
      const figures =
        `redline ${num(t.redlineA)} -> ${num(t.redlineB)} req/s per replica (${signedPct(t.redlineChange)}), ` +
        `CPU ${num(t.cpuMsPerRequestA, 3)} -> ${num(t.cpuMsPerRequestB, 3)} ms/request (${signedPct(t.cpuChange)}); ` +
        `baseline ${comparison.runA}`;
      return {
        name: `redline ${t.serverType} against the baseline`,
        classname,
        out: `${figures}${t.notes.length && !t.regressed ? `; ${t.notes.join('; ')}` : ''}`,
        ...(t.regressed
          ? { failure: { type: 'regression', message: `${t.serverType}: ${t.notes.join('; ')}`, detail: figures } }
          : {}),
      };
    });
  }
  return [...s.redlines, ...s.sweeps].map((r) => ({
    name: `${r.method} ${r.drill}: ${r.serverType} on ${r.pool}`,
    classname,
    timeS: r.durationS,
    out:
      `redline ${num(r.rpsPerReplica)} req/s per replica, limited by ${r.limitedBy}; p99 ${num(r.p99Ms)} ms, ` +
      `CPU ${pct(r.cpuShare)} of quota, ${num(r.cpuMsPerRequest, 3)} ms/request, ${r.probes} probes`,
  }));
}

function survivorCases(s: Summary): Case[] {
  const out: Case[] = [];
  for (const f of s.failovers) {
    for (const v of f.survivors) {
      const figures =
        `${num(v.loadRps)} req/s on ${v.dc} against a capacity of ${num(v.capacityRps)} (${pct(v.loadFraction)} of it); ` +
        `p99 ${num(v.p99Ms)} ms, errors ${pct(v.errorRate)}`;
      out.push({
        name: `${f.drill}: lose ${f.lostDc} (${f.mode}), survivor ${v.dc}`,
        classname: `headroom.${s.scenario}.dc-loss`,
        out: figures,
        ...(v.held
          ? {}
          : {
              failure: {
                type: 'dc-loss',
                message: `${v.dc} did not survive the loss of ${f.lostDc}: ${figures}; broken by ${v.brokenBy ?? 'n/a'}`,
              },
            }),
      });
    }
  }
  return out;
}

function caseXml(c: Case): string {
  const time = c.timeS !== undefined ? ` time="${c.timeS.toFixed(3)}"` : '';
  const attrs = `name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}"${time}`;
  const body: string[] = [];
  if (c.failure) {
    const { type, message, detail } = c.failure;
    body.push(
      `      <failure type="${xmlAttr(type)}" message="${xmlAttr(message)}">${xmlText(detail ?? message)}</failure>`,
    );
  }
  if (c.error) {
    const { type, message } = c.error;
    body.push(`      <error type="${xmlAttr(type)}" message="${xmlAttr(message)}">${xmlText(message)}</error>`);
  }
  if (c.out) body.push(`      <system-out>${xmlText(c.out)}</system-out>`);
  return body.length ? `    <testcase ${attrs}>\n${body.join('\n')}\n    </testcase>` : `    <testcase ${attrs}/>`;
}

function suiteXml(suite: Suite, s: Summary, id: number, reportPath?: string): string {
  const failures = suite.cases.filter((c) => c.failure).length;
  const errors = suite.cases.filter((c) => c.error).length;
  const time = suite.cases.reduce((t, c) => t + (c.timeS ?? 0), 0);
  const ts = stamp(s.startedAt);
  const attrs =
    `name="${xmlAttr(suite.name)}" tests="${suite.cases.length}" failures="${failures}" errors="${errors}" skipped="0"` +
    ` time="${time.toFixed(3)}"${ts ? ` timestamp="${ts}"` : ''} hostname="localhost" id="${id}" package="headroom"`;
  const props = [
    ['runId', s.runId],
    ['cluster', s.cluster.name],
    ['scenarioFile', s.scenarioFile],
    ['status', s.status],
    ...(reportPath ? [['report', reportPath]] : []),
  ];
  return [
    `  <testsuite ${attrs}>`,
    '    <properties>',
    ...props.map(([k, v]) => `      <property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`),
    '    </properties>',
    ...suite.cases.map(caseXml),
    '  </testsuite>',
  ].join('\n');
}

/** The JUnit XML document of one run: a suite each for the run, thresholds, guards, redlines and DC loss (empty suites left out). */
export function junitXml(input: JunitInput): string {
  const s = input.summary;
  const suites: Suite[] = [
    { name: `${s.scenario}: run`, cases: [runCase(s)] },
    { name: `${s.scenario}: thresholds`, cases: thresholdCases(s) },
    { name: `${s.scenario}: guards`, cases: guardCases(s, input.steps ?? []) },
    { name: `${s.scenario}: redlines`, cases: redlineCases(s, input.comparison) },
    { name: `${s.scenario}: dc-loss`, cases: survivorCases(s) },
  ].filter((x) => x.cases.length > 0);
  const count = (f: (c: Case) => unknown) => suites.reduce((n, x) => n + x.cases.filter(f).length, 0);
  const time = seconds(s.startedAt, s.endedAt);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(`headroom ${s.scenario}`)}" tests="${count(() => true)}" failures="${count((c) => c.failure)}"` +
      ` errors="${count((c) => c.error)}" time="${time.toFixed(3)}">`,
    ...suites.map((x, i) => suiteXml(x, s, i, input.reportPath)),
    '</testsuites>',
    '',
  ].join('\n');
}
