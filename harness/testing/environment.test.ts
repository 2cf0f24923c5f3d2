// The environment is read in one place, harness/common/options.ts: no other product file of harness/ names
// process.env (the reference service in clusters/ is a program of its own and reads its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { productFiles } from './function-lines';

test('no product file of harness/ but common/options.ts reads process.env', () => {
  const root = path.resolve(__dirname, '..', '..');
  const readers = productFiles(root, ['harness'])
    .map((f) => path.relative(root, f))
    .filter((f) => !f.startsWith('harness/bench/')) // tools beside the product, with BENCH_* knobs of their own
    .filter((f) => /\bprocess\.env\b/.test(fs.readFileSync(path.join(root, f), 'utf8')));
  assert.deepEqual(readers, ['harness/common/options.ts']);
});
