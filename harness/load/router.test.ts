import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Replica } from '../cluster';
import { ConfigErrors } from '../common';
import { Router } from './router';

function replica(dc: string, type: string, i: number): Replica {
  const name = `c-${dc}-${type}-${i}`;
  return {
    name,
    region: dc === 'euw1' ? 'eu' : 'us',
    dc,
    pool: `${dc}/${type}`,
    serverType: type,
    index: i,
    host: '127.0.0.1',
    httpPort: 1,
    grpcPort: 1,
    http: 'http://127.0.0.1:1',
    grpc: '127.0.0.1:1',
  };
}
const fleet = [
  replica('use1', 'gen1', 0),
  replica('use1', 'gen1', 1),
  replica('use1', 'gen2', 0),
  replica('use2', 'gen1', 0),
  replica('euw1', 'gen1', 0),
];

function counts(r: Router, n: number, key: (x: Replica) => string = (x) => x.name): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const x = r.pick()!;
    out[key(x)] = (out[key(x)] ?? 0) + 1;
  }
  return out;
}

test('by default every replica gets the same share', () => {
  assert.deepEqual(counts(new Router(fleet), 500), {
    'c-use1-gen1-0': 100,
    'c-use1-gen1-1': 100,
    'c-use1-gen2-0': 100,
    'c-use2-gen1-0': 100,
    'c-euw1-gen1-0': 100,
  });
});

test('DC weights and pool weights split traffic exactly', () => {
  const r = new Router(fleet);
  r.setWeights({ dcs: { use1: 0.5, use2: 0.25, euw1: 0.25 } });
  // Inside use1, pools default to their replica counts: gen1 2/3, gen2 1/3.
  assert.deepEqual(
    counts(r, 1200, (x) => x.pool),
    { 'use1/gen1': 400, 'use1/gen2': 200, 'use2/gen1': 300, 'euw1/gen1': 300 },
  );
  r.setWeights({ dcs: { use1: 1 }, pools: { use1: { gen1: 1, gen2: 3 } } });
  assert.deepEqual(
    counts(r, 400, (x) => x.pool),
    { 'use1/gen1': 100, 'use1/gen2': 300 },
  );
});

test('a weight change from 100/0 to 0/100 applies to the very next pick', () => {
  const r = new Router(fleet);
  r.setWeights({ dcs: { use1: 1, use2: 0, euw1: 0 } });
  assert.deepEqual(Object.keys(counts(r, 50, (x) => x.dc)), ['use1']);
  r.setWeights({ dcs: { use1: 0, use2: 1, euw1: 0 } });
  assert.equal(r.pick()!.dc, 'use2');
  assert.deepEqual(
    counts(r, 50, (x) => x.dc),
    { use2: 50 },
  );
  assert.deepEqual(r.weights(), { dcs: { use1: 0, use2: 1, euw1: 0 } });
});

test('a replica marked out gets nothing until marked in; a DC with none left gives its share to the others', () => {
  const r = new Router(fleet);
  r.setWeights({ dcs: { use1: 0.5, use2: 0.5 } });
  r.markOut('c-use1-gen1-0');
  assert.equal(r.isOut('c-use1-gen1-0'), true);
  const c = counts(r, 600);
  assert.equal(c['c-use1-gen1-0'], undefined);
  assert.equal(c['c-use2-gen1-0'], 300);
  r.markOut('c-use2-gen1-0');
  assert.deepEqual(
    counts(r, 300, (x) => x.dc),
    { use1: 300 },
  );
  r.markIn('c-use1-gen1-0');
  r.markIn('c-use2-gen1-0');
  assert.equal(counts(r, 600)['c-use1-gen1-0'], 100);
  r.setWeights({ dcs: { use2: 1 } });
  r.markOut('c-use2-gen1-0');
  assert.equal(r.pick(), undefined);
});

test('least-outstanding avoids the busy replica of a pool', () => {
  const r = new Router(fleet, { spread: 'least-outstanding' });
  r.setWeights({ dcs: { use1: 1 }, pools: { use1: { gen1: 1 } } });
  r.outstanding[r.indexOf('c-use1-gen1-0')] = 5;
  assert.deepEqual(counts(r, 10), { 'c-use1-gen1-1': 10 });
});

test('unknown DCs and pools and negative weights are refused, all at once', () => {
  const r = new Router(fleet);
  assert.throws(
    () => r.setWeights({ dcs: { use9: 1, use1: -1 }, pools: { use1: { gen7: 1 } } }),
    (e: unknown) => e instanceof ConfigErrors && e.problems.length === 3 && e.exitCode === 104,
  );
  assert.throws(() => r.markOut('nope'), /no replica of this name/);
});
