// The weights found on someone else's HAProxy against its configured ones: refused with each server and both
// weights named, taken with --force (a warning), other backends not judged; the claim's token round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOwner, encodeOwner } from './claim';
import { checkFoundWeights } from './found-weights';

const snapshot = {
  runtime: 'tcp://10.0.0.1:9999',
  takenAt: '2026-01-01T00:00:00Z',
  servers: [
    { backend: 'be_live', server: 'use1-a', weight: 256, initial: 64 },
    { backend: 'be_live', server: 'euw1-a', weight: 0, initial: 192 },
    { backend: 'be_live', server: 'euw1-b', weight: 10, initial: 10 },
    { backend: 'be_other', server: 'x', weight: 0, initial: 5 },
  ],
};

test('weights other than the configured ones are refused, each server named with both weights', () => {
  assert.throws(
    () => checkFoundWeights(snapshot, ['be_live']),
    (err: Error & { exitCode?: number }) => {
      assert.equal(err.exitCode, 110);
      assert.match(
        err.message,
        /tcp:\/\/10\.0\.0\.1:9999 runs other weights than its configured ones: be_live\/use1-a weight 256 \(configured 64\), be_live\/euw1-a weight 0 \(configured 192\)\./,
      );
      assert.doesNotMatch(err.message, /euw1-b|be_other/);
      return true;
    },
  );
  assert.match(checkFoundWeights(snapshot, ['be_live'], { force: true }) ?? '', /--force: .*use1-a weight 256/);
  assert.equal(checkFoundWeights(snapshot, ['be_nothing']), null);
});

test("a claim's token survives names the CLI cannot take (spaces, commas, parentheses, unicode)", () => {
  const owner = { runId: 'run (1), x;y', host: 'höst a', pid: 42, since: '2026-01-01T00:00:00.000Z', ttlSeconds: 30 };
  const token = encodeOwner(owner);
  assert.match(token, /^[A-Za-z0-9._:%|-]+$/);
  assert.deepEqual(decodeOwner(token), owner);
  assert.equal(decodeOwner('someone else'), null);
});
