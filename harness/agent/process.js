#!/usr/bin/env node
// Entry point of a local agent process (spawned by the fleet for `--agents N`), like harness/cli/headroom.js.

const path = require('node:path');
// A TypeScript loader given to node (`--require`, passed on by spawn.ts) is kept: ts-node only when there is none.
if (!require.extensions['.ts'])
  require('ts-node').register({ project: path.join(__dirname, '..', '..', 'tsconfig.json'), transpileOnly: true });
require('./main')
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exit(code);
    },
    (err) => {
      process.stderr.write(`headroom agent: internal error: ${err?.stack ? err.stack : err}\n`);
      process.exit(1);
    },
  );
