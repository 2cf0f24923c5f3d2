import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../common';
import { readWeights, saveWeights, weightsFile } from './weights-file';

const snapshot = (w: number) => ({
  runtime: 'tcp://127.0.0.1:30999',
  takenAt: '2026-01-01T00:00:00.000Z',
  servers: [{ backend: 'be_us', server: 'use1-gen1-0', weight: w, initial: 10 }],
});

test('the weights found at start are saved once: a later snapshot does not overwrite them', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edge-test-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(saveWeights(dir, snapshot(10)), true);
  assert.equal(saveWeights(dir, snapshot(0)), false);
  assert.deepEqual(readWeights(dir), snapshot(10));
  assert.deepEqual(readdirSync(dir), ['edge-weights.json'], 'no temp file left');
});

test('a damaged weights file is refused with the file, the field and what was expected', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edge-test-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(
    () => readWeights(dir),
    (err: unknown) =>
      err instanceof ConfigError && err.exitCode === 104 && err.message.includes('cannot read the saved edge weights'),
  );
  writeFileSync(
    weightsFile(dir),
    JSON.stringify({
      version: 1,
      runtime: 'tcp://127.0.0.1:30999',
      servers: [{ backend: 'be_us', server: 'x', weight: 300 }],
    }),
  );
  assert.throws(
    () => readWeights(dir),
    /edge-weights\.json: servers\[0\]: expected \{ backend, server, weight 0-256 \}/,
  );
  writeFileSync(weightsFile(dir), JSON.stringify({ version: 1, runtime: 'http://x', servers: [] }));
  assert.throws(
    () => readWeights(dir),
    /edge-weights\.json: runtime: cannot read the runtime API address 'http:\/\/x'/,
  );
});
