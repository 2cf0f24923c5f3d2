// The redline estimate on seeded synthetic searches: exact answers where the truth is a line, and the
// interval's coverage over many noisy replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateRedline, medianRank, type EstimateProbe, type EstimateSearch } from './redline-estimate';
import { normalDraws, seededRandom } from '../common';

// A replica whose CPU share is 0.05 + 0.0085 × rps: the 0.75 guard is crossed at 700/8.5 = 82.35 req/s.
const TRUTH = 0.7 / 0.0085;
const cpuAt = (rps: number) => 0.05 + 0.0085 * rps;

/** One search's probes at the given rates; above 1/0.0085 - 5.9 = 111.8 req/s the quota saturates. */
function probesAt(rates: number[], noise: () => number = () => 0): EstimateProbe[] {
  return rates.map((rps) => {
    const cpu = Math.min(1, cpuAt(rps) * (1 + noise()));
    const served = cpuAt(rps) > 1 ? (rps * 1) / cpuAt(rps) : rps;
    return {
      rps,
      servedRps: served,
      guards: { cpu_share: cpu, p99_ms: 20 },
      verdict: cpu < 0.75 ? 'held' : 'breached',
    };
  });
}
const search = (probes: EstimateProbe[]): EstimateSearch => {
  const held = probes.filter((p) => p.verdict === 'held').map((p) => p.rps);
  const broke = probes.filter((p) => p.verdict === 'breached').map((p) => p.rps);
  return {
    probes,
    redlineRps: held.length ? Math.max(...held) : null,
    breachedRps: broke.length ? Math.min(...broke) : null,
  };
};
const cpuGuard = { metric: 'cpu_share', limit: 0.75 };

test('fit: noise-free probes on a line give the exact crossing (82.4) with a zero-width interval; saturated probes are left out', () => {
  const est = estimateRedline(
    [search(probesAt([30, 60, 120, 90, 75, 82])), search(probesAt([76, 84, 80, 240]))],
    cpuGuard,
  );
  assert.equal(est.method, 'fit');
  assert.equal(est.redline, 82.4);
  assert.deepEqual(est.interval, [82.4, 82.4]);
  // 120 and 240 req/s saturate (served < 95% of offered): 8 of 10 probes are used.
  assert.equal(est.samples, 8);
});

test('fit: faulted and no-data probes are never used', () => {
  const probes = probesAt([30, 60, 75, 82, 90]);
  probes.push({ rps: 70, guards: { cpu_share: 0.1 }, verdict: 'held', faulted: true });
  probes.push({ rps: 50, guards: { cpu_share: 0 }, verdict: 'noData' });
  const est = estimateRedline([search(probes)], cpuGuard);
  assert.equal(est.redline, 82.4);
  assert.equal(est.samples, 5);
});

test('fit: 95% interval covers the truth in 93-97% of 400 seeded replays at 4% noise; median half-width under 5%', () => {
  const rand = seededRandom(10);
  const z = normalDraws(rand);
  let covered = 0;
  const halfWidths: number[] = [];
  const trials = 400;
  for (let i = 0; i < trials; i++) {
    const noise = () => 0.04 * z();
    const searches = [0, 1, 2].map(() => search(probesAt([30, 60, 120, 90, 75, 82, 86, 84], noise)));
    const est = estimateRedline(searches, cpuGuard);
    assert.equal(est.method, 'fit');
    if (est.interval![0] <= TRUTH && TRUTH <= est.interval![1]) covered++;
    halfWidths.push((est.interval![1] - est.interval![0]) / 2 / est.redline!);
  }
  halfWidths.sort((a, b) => a - b);
  const rate = covered / trials;
  const medianHalf = halfWidths[trials / 2];
  console.log(`fit coverage ${(rate * 100).toFixed(1)}%, median half-width ${(medianHalf * 100).toFixed(2)}%`);
  assert.ok(rate >= 0.93 && rate <= 0.97, `coverage ${(rate * 100).toFixed(1)}%`);
  assert.ok(medianHalf < 0.05, `median half-width ${(medianHalf * 100).toFixed(2)}%`);
});

test('fit: when the level moves between searches (the machine drifts), the interval widens and still covers the truth', () => {
  // Each search meets the replica at its own moment: its CPU share is off the true line by a level of its
  // own (sd 0.03, 4% of the limit), as measured here between searches minutes apart. A line through every
  // probe alone treats 24 probes as independent and covered the truth in 55% of replays.
  const rand = seededRandom(11);
  const z = normalDraws(rand);
  let covered = 0;
  let widened = 0;
  const trials = 400;
  for (let i = 0; i < trials; i++) {
    const noise = () => 0.02 * z();
    const searches = [0, 1, 2].map(() => {
      const level = 0.03 * z();
      const probes = probesAt([30, 60, 120, 90, 75, 82, 86, 84], noise).map((p) => ({
        ...p,
        guards: { ...p.guards, cpu_share: Math.min(1, (p.guards.cpu_share as number) + level) },
      }));
      return search(probes);
    });
    const est = estimateRedline(searches, cpuGuard);
    if (est.interval![0] <= TRUTH && TRUTH <= est.interval![1]) covered++;
    if (est.note.includes('interval widened')) widened++;
  }
  const rate = covered / trials;
  console.log(
    `fit coverage with drift between searches ${(rate * 100).toFixed(1)}%, widened in ${widened} of ${trials}`,
  );
  assert.ok(rate >= 0.9, `coverage ${(rate * 100).toFixed(1)}%`);
  assert.ok(widened > trials / 2, `widened in ${widened} of ${trials}`);
});

test('fit refused (CPU flat: a p99-limited service) falls back to the median of the searches', () => {
  const flat = (rates: number[], redline: number): EstimateSearch =>
    search(rates.map((rps) => ({ rps, guards: { cpu_share: 0.3 }, verdict: rps <= redline ? 'held' : 'breached' })));
  const est = estimateRedline(
    [flat([30, 60, 90, 80], 80), flat([70, 78, 85, 82], 82), flat([80, 84, 88], 84)],
    cpuGuard,
  );
  assert.equal(est.method, 'median');
  assert.equal(est.redline, 82);
  assert.match(est.note, /no fit: cpu_share does not rise clearly/);
});

test('median of 3 searches: 82 ± t(2)·1.2533·sd/√3 = ± 6.2', () => {
  const s = (redlineRps: number): EstimateSearch => ({ probes: [], redlineRps, breachedRps: redlineRps + 2 });
  const est = estimateRedline([s(84), s(80), s(82)], { metric: 'p99_ms', limit: 250 });
  // sd = 2; 4.3027 × 1.2533 × 2 / 1.7321 = 6.227
  assert.deepEqual(est, {
    redline: 82,
    interval: [75.8, 88.2],
    samples: 3,
    method: 'median',
    note: 'p99_ms is not a smooth guard; median of 3 searches ± t·1.2533·sd/√n',
  });
});

test('median of 10 searches: the order-statistic interval [x(2), x(9)]; of 7: [min, max]', () => {
  assert.equal(medianRank(6), 1);
  assert.equal(medianRank(7), 1);
  assert.equal(medianRank(10), 2);
  assert.equal(medianRank(20), 6);
  const s = (redlineRps: number): EstimateSearch => ({ probes: [], redlineRps, breachedRps: null });
  const est = estimateRedline([90, 81, 83, 85, 80, 79, 84, 82, 86, 70].map(s));
  assert.equal(est.redline, 82.5);
  assert.deepEqual(est.interval, [79, 86]);
  assert.equal(est.samples, 10);
});

test('one search: its bracket, said not to be a 95% interval', () => {
  const est = estimateRedline([{ probes: [], redlineRps: 99.4, breachedRps: 101.3 }]);
  assert.deepEqual(est.interval, [99.4, 101.3]);
  assert.match(est.note, /not a 95% interval/);
});

test('searches with no breach give no redline, only "at least": never a redline', () => {
  const est = estimateRedline([
    { probes: [], redlineRps: 100, breachedRps: null, noBreach: true },
    { probes: [], redlineRps: 95, breachedRps: null, noBreach: true },
  ]);
  assert.deepEqual(est, {
    redline: null,
    interval: null,
    samples: 0,
    method: 'none',
    atLeast: 95,
    note: 'no breach up to 95 req/s per replica',
  });
  const none = estimateRedline([{ probes: [], redlineRps: null, breachedRps: 1.9 }]);
  assert.equal(none.redline, null);
  assert.equal(none.method, 'none');
});

/** One search's probes at `rates`, one every 10 s, with `cost(i)` times the true CPU share and `noise` on top. */
function timedProbes(rates: number[], cost: (i: number) => number, noise: () => number): EstimateProbe[] {
  return probesAt(rates).map((p, i) => {
    const cpu = Math.min(1, cpuAt(p.rps) * cost(i) * (1 + noise()));
    return {
      ...p,
      guards: { cpu_share: cpu },
      cpuShare: cpu,
      atS: 1000 + 10 * i,
      verdict: cpu < 0.75 ? 'held' : 'breached',
    };
  });
}
const refineRates = [30, 60, 90, 75, 82, 79, 74, 80, 74, 80, 74, 80];

test('drift: a steady cost is not called drift in 98% or more of 300 seeded replays at 3% noise', () => {
  const z = normalDraws(seededRandom(21));
  let alarms = 0;
  for (let i = 0; i < 300; i++) {
    const est = estimateRedline(
      [
        search(
          timedProbes(
            refineRates,
            () => 1,
            () => 0.03 * z(),
          ),
        ),
      ],
      cpuGuard,
    );
    if (est.drift?.significant) alarms++;
  }
  assert.ok(alarms <= 6, `${alarms} false alarms in 300`);
});

test('drift: the cost steps up 20% after the sixth probe: found where and by how much, the interval covers both redlines', () => {
  const z = normalDraws(seededRandom(22));
  const est = estimateRedline(
    [
      search(
        timedProbes(
          refineRates,
          (i) => (i < 6 ? 1 : 1.2),
          () => 0.01 * z(),
        ),
      ),
    ],
    cpuGuard,
  );
  assert.ok(est.drift?.significant, JSON.stringify(est.drift));
  assert.ok(Math.abs(est.drift!.change - 0.2) < 0.05, `change ${est.drift!.change}`);
  assert.equal(est.drift!.atS, 60);
  // Before: 82.35 req/s; after, at 1.2× the cost, where 1.2 × (0.05 + 0.0085 × rps) = 0.75: 67.6.
  const before = TRUTH;
  const after = (0.75 / 1.2 - 0.05) / 0.0085;
  assert.ok(
    est.interval![0] <= after && est.interval![1] >= before * 0.995,
    `[${est.interval}] covers ${after.toFixed(1)} and ${before.toFixed(1)}`,
  );
  assert.match(est.note, /cost per request moved \+\d+% 60 s into 110 s of probes/);
});
