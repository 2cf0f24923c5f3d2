#!/usr/bin/env node
// make test's last words: every failed test of the run, read back from the TAP files each pass also wrote, so
// that the end of a long log (all a CI page may keep) says what failed and why.
// Usage: node harness/testing/failures.js <tap files...>. Prints nothing when nothing failed; exit code 0.

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

function main() {
  const failed = [];
  for (const file of process.argv.slice(2)) {
    if (!fs.existsSync(file)) continue;
    for (const b of failedBlocks(fs.readFileSync(file, 'utf8'))) failed.push({ file, ...b });
  }
  if (failed.length === 0) return;
  process.stdout.write(`\nmake test: ${failed.length} failed test${failed.length === 1 ? '' : 's'}:\n`);
  for (const f of failed) {
    process.stdout.write(`\nnot ok - ${f.name}   (${f.file})\n`);
    for (const line of f.body) process.stdout.write(`${line}\n`);
  }
}

if (require.main === module) main();
module.exports = { failedBlocks };
