import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const { failedBlocks, leafCounts } = require('./failures.js') as {
  failedBlocks: (text: string) => { name: string; body: string[] }[];
  leafCounts: (text: string) => { passed: number; failed: number };
};

test('failures.js reads back the failed tests of real node --test TAP: nested ones, without their parents', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'headroom-failures-'));
  try {
    const file = path.join(dir, 'sample.test.js');
    await writeFile(
      file,
      [
        "const test = require('node:test'); const assert = require('node:assert');",
        "test('holds', () => {});",
        "test('a redline out of range', () => { assert.ok(70 > 80, 'redline 70 req/s, expected over 80'); });",
        "test('a group', async (t) => { await t.test('inner fault', () => { throw new Error('boom\\nsecond line'); }); });",
      ].join('\n'),
    );
    const tap = path.join(dir, 'out.tap');
    // Without NODE_TEST_CONTEXT: under a test runner, a child node --test reports to its parent instead.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    await run(process.execPath, ['--test', '--test-reporter=tap', `--test-reporter-destination=${tap}`, file], {
      env,
    }).catch((e: { code?: number }) => assert.equal(e.code, 1, 'the sample run fails'));
    const text = await readFile(tap, 'utf8');
    // Leaves only: 'a group' is the parent of 'inner fault'.
    assert.deepEqual(leafCounts(text), { passed: 1, failed: 2 });
    const blocks = failedBlocks(text);
    assert.deepEqual(
      blocks.map((b) => b.name),
      ['a redline out of range', 'inner fault'],
    );
    const [outOfRange, inner] = blocks;
    assert.ok(
      outOfRange.body.some((l) => l.includes('redline 70 req/s, expected over 80')),
      outOfRange.body.join('\n'),
    );
    assert.ok(
      outOfRange.body.some((l) => l.includes('sample.test.js:3')),
      'the location is kept',
    );
    assert.ok(
      inner.body.some((l) => l.includes('second line')),
      'a message of two lines is kept whole',
    );
    assert.ok(inner.body.filter((l) => l.startsWith('    ') && l.includes('(')).length <= 3 + 1, 'a short stack');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
