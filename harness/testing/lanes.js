#!/usr/bin/env node
// make test's last pass: the test files that hold Docker, HAProxy, a browser or servers of their own, in two
// kinds of lane that run side by side, each lane one file at a time. Measuring files read latency, rates or
// CPU that a busy neighbour would skew (redline searches, drills judged on guards): at most two run at once
// (MEASURE_LANES, default 2; most compare side by side or judge against loose guards). The others check
// behaviour (up, down, owners, signals, images, the edge's configuration) and mostly wait on Docker: they
// run beside the measuring lanes (LIGHT_LANES, default 2).
// Every file has its own ports, cluster names and daemons.
// A measuring file that fails in its lane is run once more, alone, once every lane has ended: a figure that a busy
// neighbour disturbed holds alone, a wrong one fails again. The log and harness/testing/failures.js say which.
// Usage: node harness/testing/lanes.js <test files...>. Exit code: the first failing lane's (a measuring lane
// whose failed files all passed alone counts as passed), else 0.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { failedBlocks, locationFile } = require('./failures.js');

const root = path.resolve(__dirname, '..', '..');
const measureLanes = Math.max(1, Number(process.env.MEASURE_LANES ?? 2));
const lightLanes = Math.max(1, Number(process.env.LIGHT_LANES ?? 2));
const tapDir = path.join(root, '.cache', 'test');

// Seconds each long file takes in its lane beside the others (a file not listed counts 15 s): the lanes are
// balanced on them.
const expectedS = {
  'harness/drill/static-drill.test.ts': 100,
  'harness/run/agents-redline.docker.test.ts': 120,
  'harness/run/pool-faults.docker.test.ts': 95,
  'harness/run/accuracy/accuracy.docker.test.ts': 90,
  'harness/run/two-tier.docker.test.ts': 85,
  'harness/run/hold.docker.test.ts': 85,
  'harness/run/run.docker.test.ts': 65,
  'harness/run/kill-probe.docker.test.ts': 65,
  'harness/run/faults.docker.test.ts': 58,
  'harness/run/docker-gone.docker.test.ts': 48,
  'harness/cluster/driver.docker.test.ts': 45,
  'harness/cluster/sigkill.docker.test.ts': 40,
  'harness/cluster/multihost.docker.test.ts': 37,
  'harness/cluster/owner.docker.test.ts': 33,
  'harness/cluster/down-unreachable.docker.test.ts': 34,
  'harness/cluster/busybox.docker.test.ts': 27,
  'harness/run/edge-drain.docker.test.ts': 31,
  // 42 s with its images built; the first run on a machine builds them from Debian packages (about 75 s more).
  'harness/run/insta/insta-stack.docker.test.ts': 45,
  'harness/ci/workflow.docker.test.ts': 33,
  'harness/cluster/local-3dc.docker.test.ts': 25,
  'harness/run/agents.docker.test.ts': 24,
  'harness/run/edge-existing.haproxy.test.ts': 22,
};
// The measuring files: the files under harness/run/ that judge drills on their figures, the static servers'
// redline, and the cluster files that read CPU. A new file of that kind belongs here. Drills that check how
// faults, signals, agents and the edge behave under loose guards (hold, kill-probe, agents, edge-drain,
// edge-existing) are not measuring.
const measuring = new Set([
  'harness/drill/static-drill.test.ts',
  'harness/run/run.docker.test.ts',
  'harness/run/pool-faults.docker.test.ts',
  'harness/run/two-tier.docker.test.ts',
  'harness/run/accuracy/accuracy.docker.test.ts',
  'harness/run/agents-redline.docker.test.ts',
  'harness/cluster/cpu-limits.docker.test.ts',
  'harness/cluster/driver.docker.test.ts',
  // A redline of the stack's web tier: which tier limits is read from the tiers' CPU under load.
  'harness/run/insta/insta-stack.docker.test.ts',
]);

const weight = (f) => expectedS[f] ?? 15;

/** Longest first, each file into the lane with the least so far. */
function pack(files, count, kind) {
  files.sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  const lanes = Array.from({ length: count }, () => ({ kind, files: [], weight: 0 }));
  for (const f of files) {
    const lane = lanes.reduce((best, l) => (l.weight < best.weight ? l : best));
    lane.files.push(f);
    lane.weight += weight(f);
  }
  return lanes.filter((l) => l.files.length > 0);
}

const plan = (files) => [
  ...pack(
    files.filter((f) => measuring.has(f)),
    measureLanes,
    'measuring',
  ),
  ...pack(
    files.filter((f) => !measuring.has(f)),
    lightLanes,
    'light',
  ),
];

const children = [];
let interrupted = false;

/** One node --test process over `files`, one at a time, its TAP to the log (lines tagged) and to `tapName`. */
function runFiles(tag, files, tapName) {
  const child = spawn(
    process.execPath,
    [
      '--require',
      './harness/testing/swc-register.js',
      '--test',
      '--test-concurrency=1',
      // TAP to the log and to a file that harness/testing/failures.js reads back at the end of make test.
      '--test-reporter=tap',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${path.join(tapDir, tapName)}`,
      ...files,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${tag}${line}\n`));
  }
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal }));
  });
}

async function runLane(index, lane) {
  const started = Date.now();
  const { code, signal } = await runFiles(`[lane ${index + 1}] `, lane.files, `lane-${index + 1}.tap`);
  return { index, lane, code, signal, s: (Date.now() - started) / 1000 };
}

/** The test files (relative to the root) that a lane's TAP file names in its failed tests' locations. */
function failedFiles(index) {
  const file = path.join(tapDir, `lane-${index + 1}.tap`);
  if (!fs.existsSync(file)) return null;
  const found = new Set();
  for (const b of failedBlocks(fs.readFileSync(file, 'utf8'))) {
    const at = locationFile(b);
    if (!at) return null; // a failure with no location (a crash, a hook): nothing to re-run on its own
    found.add(path.relative(root, at));
  }
  return [...found];
}

/**
 * A measuring lane that failed: each failed file again, alone, nothing else running. A figure that broke only
 * beside three busy lanes (a neighbour's burst in a 2 s window) holds alone; a wrong one fails again. Both runs
 * stay in the log, and harness/testing/failures.js lists the first failure under "passed alone".
 */
async function rerunAlone(result) {
  const files = failedFiles(result.index);
  if (result.signal || !files || files.length === 0 || files.some((f) => !result.lane.files.includes(f))) return false;
  const passed = [];
  for (const f of files) {
    process.stdout.write(`[lanes] ${f} failed beside the other lanes: once more, alone\n`);
    const n = retried.length + 1;
    const { code, signal } = await runFiles(`[alone ${n}] `, [f], `alone-${n}.tap`);
    const ok = code === 0 && !signal;
    retried.push({ file: f, lane: result.index + 1, passedAlone: ok });
    process.stdout.write(`[lanes] ${f} alone: ${ok ? 'passed' : 'failed again'}\n`);
    if (ok) passed.push(f);
  }
  fs.writeFileSync(path.join(tapDir, 'alone.json'), `${JSON.stringify(retried, null, 2)}\n`);
  return passed.length === files.length;
}

const retried = [];

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('lanes.js: no test files given\n');
    process.exit(2);
  }
  // A renamed measuring file would silently turn light: say so.
  for (const f of [...measuring, ...Object.keys(expectedS)])
    if (!files.includes(f))
      process.stdout.write(`[lanes] warning: ${f} is listed in lanes.js but not among the files\n`);
  const lanes = plan(files);
  fs.mkdirSync(tapDir, { recursive: true });
  fs.rmSync(path.join(tapDir, 'alone.json'), { force: true });
  lanes.forEach((l, i) =>
    process.stdout.write(`[lane ${i + 1}] ${l.kind}, ${l.files.length} files, ~${l.weight} s: ${l.files.join(' ')}\n`),
  );
  // A Ctrl-C or a CI timeout reaches each lane's test process, whose own hooks stop what it started.
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.on(sig, () => {
      interrupted = true;
      children.forEach((c) => c.kill(sig));
    });
  const results = await Promise.all(lanes.map((l, i) => runLane(i, l)));
  for (const r of results) {
    const how = r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
    process.stdout.write(
      `[lane ${r.index + 1}] ${r.lane.kind}: ${how} after ${r.s.toFixed(0)} s (${r.lane.files.length} files)\n`,
    );
  }
  // Behaviour lanes get no second chance; a measuring lane's failed files get one, alone.
  let code = 0;
  for (const r of results) {
    const failed = r.code !== 0 || r.signal;
    if (failed && r.lane.kind === 'measuring' && !interrupted && (await rerunAlone(r))) continue;
    if (code === 0 && failed) code = r.code || 1;
  }
  process.exit(code);
}

main();
