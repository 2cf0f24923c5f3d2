import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedShares, dcShares, type EdgeServerRef, normalisedDcs, serverWeights } from './server-weights';

const s = (server: string, dc: string, serverType = 'gen1', backend = 'be_us'): EdgeServerRef => ({
  backend,
  server,
  dc,
  serverType,
});
const three = [s('use1-gen1-0', 'use1'), s('use1-gen1-1', 'use1'), s('euw1-gen1-0', 'euw1'), s('aps1-gen1-0', 'aps1')];

test("DC weights split over each DC's servers; the largest server gets 256 and shares follow the weights", () => {
  const w = serverWeights(three, { dcs: { use1: 0.5, euw1: 0.3, aps1: 0.2 } });
  assert.deepEqual(w, {
    'be_us/use1-gen1-0': 213,
    'be_us/use1-gen1-1': 213,
    'be_us/euw1-gen1-0': 256,
    'be_us/aps1-gen1-0': 171,
  });
  const shares = dcShares(three, w, 'be_us');
  assert.ok(
    Math.abs(shares.use1 - 0.5) < 0.001 && Math.abs(shares.euw1 - 0.3) < 0.001 && Math.abs(shares.aps1 - 0.2) < 0.001,
    JSON.stringify(shares),
  );
});

test('a DC with weight 0 gets all its servers 0; a tiny share never rounds to 0', () => {
  const w = serverWeights(three, { dcs: { use1: 0, euw1: 0.999, aps1: 0.001 } });
  assert.equal(w['be_us/use1-gen1-0'], 0);
  assert.equal(w['be_us/use1-gen1-1'], 0);
  assert.equal(w['be_us/euw1-gen1-0'], 256);
  assert.equal(w['be_us/aps1-gen1-0'], 1);
});

test('pool weights inside a DC, and a server marked out leaves its share to the rest of its pool', () => {
  const servers = [s('use1-gen1-0', 'use1'), s('use1-gen2-0', 'use1', 'gen2'), s('use1-gen2-1', 'use1', 'gen2')];
  assert.deepEqual(serverWeights(servers, { dcs: { use1: 1 }, pools: { use1: { gen1: 0, gen2: 1 } } }), {
    'be_us/use1-gen1-0': 0,
    'be_us/use1-gen2-0': 256,
    'be_us/use1-gen2-1': 256,
  });
  // Without pool weights a DC splits by serving replicas: one server each.
  assert.deepEqual(serverWeights(servers, { dcs: { use1: 1 } }), {
    'be_us/use1-gen1-0': 256,
    'be_us/use1-gen2-0': 256,
    'be_us/use1-gen2-1': 256,
  });
  const out = new Set(['be_us/use1-gen2-1']);
  assert.deepEqual(serverWeights(servers, { dcs: { use1: 1 }, pools: { use1: { gen1: 1, gen2: 1 } } }, out), {
    'be_us/use1-gen1-0': 256,
    'be_us/use1-gen2-0': 256,
    'be_us/use1-gen2-1': 0,
  });
});

test('each backend is scaled on its own', () => {
  const two = [
    s('a-0', 'a', 'g', 'be_x'),
    s('b-0', 'b', 'g', 'be_x'),
    s('a-0', 'a', 'g', 'be_y'),
    s('b-0', 'b', 'g', 'be_y'),
    s('b-1', 'b', 'g', 'be_y'),
  ];
  assert.deepEqual(serverWeights(two, { dcs: { a: 0.75, b: 0.25 } }), {
    'be_x/a-0': 256,
    'be_x/b-0': 85,
    'be_y/a-0': 256,
    'be_y/b-0': 43,
    'be_y/b-1': 43,
  });
});

test('a step moves no DC share by more than the bound, along the line to the target, summing to 1', () => {
  const r = boundedShares({ use1: 0.1, euw1: 0.9 }, { use1: 1, euw1: 0 }, 0.25);
  assert.equal(r.limited, true);
  assert.ok(Math.abs(r.shares.use1 - 0.35) < 1e-9 && Math.abs(r.shares.euw1 - 0.65) < 1e-9, JSON.stringify(r.shares));
  const three = boundedShares({ a: 0.5, b: 0.3, c: 0.2 }, { a: 1, b: 0, c: 0 }, 0.1);
  assert.ok(
    Math.abs(three.shares.a - 0.6) < 1e-9 &&
      Math.abs(three.shares.b - 0.24) < 1e-9 &&
      Math.abs(three.shares.c - 0.16) < 1e-9,
    JSON.stringify(three.shares),
  );
  assert.deepEqual(boundedShares({ a: 0.5, b: 0.5 }, { a: 0.6, b: 0.4 }, 0.25), {
    shares: { a: 0.6, b: 0.4 },
    limited: false,
  });
  assert.deepEqual(normalisedDcs({ dcs: { a: 2, b: 6 } }), { a: 0.25, b: 0.75 });
});
