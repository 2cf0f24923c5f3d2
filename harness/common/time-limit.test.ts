// withinTimeLimit: work that ends in time, work that never ends, work that fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withinTimeLimit } from './time-limit';

test('true when the work ends in time, false when it never ends, rejects as the work does', async () => {
  assert.equal(await withinTimeLimit(Promise.resolve(1), 1000), true);
  assert.equal(await withinTimeLimit(new Promise(() => undefined), 5), false);
  await assert.rejects(withinTimeLimit(Promise.reject(new Error('docker gone')), 1000), /docker gone/);
});
