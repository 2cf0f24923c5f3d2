#!/usr/bin/env node
// Entry point of the `headroom` command from a source checkout: runs the compiled CLI (dist/, `make build`)
// when it is newer than every source file, else the TypeScript sources through ts-node (transpile only).

const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const compiled = path.join(root, 'dist', 'harness', 'cli', 'bin.js');
const stamp = path.join(root, 'dist', '.built');

/** The newest mtime of the .ts files the CLI is compiled from (tests, test helpers and benchmarks excluded), in ms. */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!['node_modules', 'fixtures', 'testing', 'bench'].includes(e.name)) walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
        newest = Math.max(newest, fs.statSync(p).mtimeMs);
      }
    }
  };
  walk(path.join(root, 'harness'));
  walk(path.join(root, 'clusters', 'reference'));
  return newest;
}

function fresh() {
  try {
    return fs.statSync(stamp).mtimeMs >= newestSource() && fs.existsSync(compiled);
  } catch {
    return false;
  }
}

if (fresh()) {
  require(compiled);
} else {
  require('ts-node').register({ project: path.join(root, 'tsconfig.json'), transpileOnly: true });
  require('./bin.ts');
}
