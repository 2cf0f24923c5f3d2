#!/usr/bin/env node
// make test's last words: every failed test of the run, read back from the TAP files each pass also wrote, so
// that the end of a long log (all a CI page may keep) says what failed and why.
// Usage: node harness/testing/failures.js <tap files...>. Ends with `tests: N passed, N failed` (every test of the
// run once); exit code 0. No test is run twice: a failure is a failure.

const fs = require('node:fs');

// Stack frames beyond these many are left out: the location line and the first frames say where.
const stackLines = 3;

/** The `not ok` blocks of one TAP text: the line and its YAML (error, location, first frames). */
function failedBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)not ok \d+ - (.*)$/.exec(lines[i]);
    if (!m) continue;
    const indent = m[1];
    const body = [];
    let stack = -1;
    for (let j = i + 1; j < lines.length && lines[j] !== `${indent}  ...`; j++) {
      const line = lines[j].slice(indent.length);
      if (line === '  ---' || line.startsWith('  duration_ms:')) continue;
      if (line.startsWith('  stack:')) stack = 0;
      else if (stack >= 0 && /^ {4}/.test(line)) stack++;
      else stack = -1;
      if (stack <= stackLines) body.push(line);
    }
    // A parent whose only news is that its subtests failed adds nothing to theirs.
    if (body.some((l) => l.includes("failureType: 'subtestsFailed'"))) continue;
    blocks.push({ name: m[2], body });
  }
  return blocks;
}

/**
 * Leaf tests of one TAP text, passed and failed: a test point right after its own subtests' plan line
 * (`1..N`, indented deeper) is a parent or a suite, and its subtests are counted instead.
 */
function leafCounts(text) {
  const lines = text.split('\n');
  let passed = 0;
  let failed = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(not )?ok \d+ - /.exec(lines[i]);
    if (!m) continue;
    const plan = i > 0 ? /^(\s*)1\.\.\d+$/.exec(lines[i - 1]) : null;
    if (plan && plan[1].length > m[1].length) continue;
    if (m[2]) failed++;
    else passed++;
  }
  return { passed, failed };
}

function print(title, failed) {
  if (failed.length === 0) return;
  process.stdout.write(`\n${title}\n`);
  for (const f of failed) {
    process.stdout.write(`\nnot ok - ${f.name}   (${f.tap})\n`);
    for (const line of f.body) process.stdout.write(`${line}\n`);
  }
}

function main() {
  const taps = process.argv.slice(2).filter((f) => f.endsWith('.tap') && fs.existsSync(f));
  const failed = [];
  const total = { passed: 0, failed: 0 };
  for (const tap of taps) {
    const text = fs.readFileSync(tap, 'utf8');
    const n = leafCounts(text);
    total.passed += n.passed;
    total.failed += n.failed;
    for (const b of failedBlocks(text)) failed.push({ tap, ...b });
  }
  print(`${failed.length} failed test${failed.length === 1 ? '' : 's'}:`, failed);
  // The plain closing line: every test of the run, once.
  process.stdout.write(`\ntests: ${total.passed} passed, ${total.failed} failed\n`);
}

if (require.main === module) main();
module.exports = { failedBlocks, leafCounts };
