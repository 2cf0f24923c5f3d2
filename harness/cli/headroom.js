#!/usr/bin/env node
// Entry point of the `headroom` command: runs the TypeScript sources through ts-node (transpile only).
'use strict';
const path = require('node:path');
require('ts-node').register({ project: path.join(__dirname, '..', '..', 'tsconfig.json'), transpileOnly: true });
require('./main').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`headroom: internal error: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 1; },
);
