import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigError } from '../common';
import { seededRandom } from '../common';
import { compileMessage, compileTemplate, paramSource, render, zipfSampler } from './params';

test('zipf draws ranks with frequencies proportional to 1/k^s', () => {
  const draw = zipfSampler(1000, 1.1, seededRandom(7));
  const n = 200_000;
  const hits = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = draw();
    assert.ok(k >= 1 && k <= 1000);
    hits.set(k, (hits.get(k) ?? 0) + 1);
  }
  let h = 0;
  for (let k = 1; k <= 1000; k++) h += 1 / k ** 1.1;
  for (const k of [1, 2, 10]) {
    const expected = n / k ** 1.1 / h;
    assert.ok(
      Math.abs(hits.get(k)! - expected) / expected < 0.05,
      `rank ${k}: ${hits.get(k)} vs ${expected.toFixed(0)}`,
    );
  }
});

test('uniform stays in range, sequence cycles, templates render', () => {
  const u = paramSource({ kind: 'uniform', min: 5, max: 7 }, seededRandom(1));
  const seen = new Set<number>();
  for (let i = 0; i < 300; i++) seen.add(u());
  assert.deepEqual([...seen].sort(), [5, 6, 7]);
  const s = paramSource({ kind: 'sequence', min: 1, max: 3 }, seededRandom(1));
  assert.deepEqual([s(), s(), s(), s()], [1, 2, 3, 1]);
  const problems: ConfigError[] = [];
  const seq = paramSource({ kind: 'sequence', min: 10, max: 20 }, seededRandom(1));
  const t = compileTemplate('/feed?user={{user}}&limit=5', { user: seq }, 'f', 'path', problems);
  assert.deepEqual([render(t), render(t)], ['/feed?user=10&limit=5', '/feed?user=11&limit=5']);
  const msg = compileMessage(
    { user: '{{user}}', limit: 5, note: 'u{{user}}' },
    { user: seq },
    'f',
    'message',
    problems,
  );
  assert.deepEqual(msg(), { user: 12, limit: 5, note: 'u13' });
  compileTemplate('/x?{{nope}}', {}, 'f', 'mix.endpoints[0].path', problems);
  assert.deepEqual(
    problems.map((p) => p.message),
    ["f: mix.endpoints[0].path: template '/x?{{nope}}' uses {{nope}} but params has no 'nope'"],
  );
});
