#!/usr/bin/env node
// The `headroom` command's entry: argv in, exit code out. Compiled to dist/harness/cli/bin.js (make build).
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`headroom: internal error: ${err instanceof Error && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
