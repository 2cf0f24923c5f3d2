import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverFigures } from './server-figures';
import type { StatRow } from './stat-csv';

const row = (name: string, stot: number, hrsp5xx: number, extra: Partial<StatRow> = {}): StatRow => ({
  proxy: 'be_us',
  name,
  kind: 'server',
  status: 'UP',
  weight: 256,
  uweight: 256,
  qcur: 0,
  scur: 0,
  rate: 0,
  stot,
  lbtot: stot,
  reqTot: null,
  hrsp2xx: stot - hrsp5xx,
  hrsp4xx: 0,
  hrsp5xx,
  econ: 0,
  eresp: 0,
  ...extra,
});

test('figures over a window from two readings, keyed by replica, restart-safe', () => {
  const servers = [
    { backend: 'be_us', server: 'use1-gen1-0', dc: 'use1', serverType: 'gen1', replica: 'c-use1-gen1-0' },
    { backend: 'be_us', server: 'euw1-gen1-0', dc: 'euw1', serverType: 'gen1' },
  ];
  const before = [row('use1-gen1-0', 100, 1), row('euw1-gen1-0', 500, 0)];
  const after = [row('use1-gen1-0', 400, 31, { qcur: 3, scur: 7 }), row('euw1-gen1-0', 40, 2)];
  assert.deepEqual(serverFigures(servers, before, after, 10), {
    'c-use1-gen1-0': {
      dc: 'use1',
      serverType: 'gen1',
      requests: 300,
      errors5xx: 30,
      rps: 30,
      qcur: 3,
      scur: 7,
      status: 'UP',
      weight: 256,
    },
    'be_us/euw1-gen1-0': {
      dc: 'euw1',
      serverType: 'gen1',
      requests: 40,
      errors5xx: 2,
      rps: 4,
      qcur: 0,
      scur: 0,
      status: 'UP',
      weight: 256,
    },
  });
});
