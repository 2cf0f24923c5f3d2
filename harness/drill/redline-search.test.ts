// The redline search's honest verdicts: confirmed breaches, repeated boundary probes, no data that is
// never "held", no breach that is never a redline, faulted probes that never bound, and repeats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalDraws, seededRandom } from '../common';
import { RedlineSearch, type AttemptResult, type Probe } from './redline-search';

const base = { startRps: 30, maxRps: 400, rampFactor: 2, resolution: 0.03 };

/** Runs a search against `answer`, which sees each attempt; returns the outcome and every attempt's rate. */
function run(search: RedlineSearch, answer: (p: Probe, i: number) => boolean | AttemptResult) {
  const asked: string[] = [];
  let i = 0;
  for (let p = search.next(); p; p = search.next()) {
    asked.push(`${p.search}:${p.rps}#${p.attempt}`);
    search.record(answer(p, i++));
    if (i > 500) throw new Error('search does not end');
  }
  return { out: search.outcome(), asked };
}

test('a breach counts only when confirmed; a rate just below a confirmed breach needs two holds', () => {
  const { out, asked } = run(new RedlineSearch(base), (p) => p.rps <= 100);
  assert.deepEqual(asked, [
    '0:30#0',
    '0:60#0',
    '0:120#0',
    '0:120#1', // 120 breaks twice: confirmed
    '0:90#0', // 25% below 120: one hold is enough
    '0:105#0',
    '0:105#1',
    '0:97.5#0',
    '0:97.5#1', // 97.5 is within 10% of 105: held twice
    '0:101.3#0',
    '0:101.3#1',
    '0:99.4#0',
    '0:99.4#1',
  ]);
  assert.equal(out.status, 'redline');
  assert.equal(out.redlineRps, 99.4);
  assert.equal(out.note, 'held at 99.4, confirmed breach at 101.3 req/s per replica');
});

test('one noisy breach does not decide: a breach that holds on its repeat counts as held (v1 bounded the search there)', () => {
  // The pool's true redline is 100; the first attempt at 60 breaks once (a noisy window).
  const { out } = run(new RedlineSearch(base), (p) => (p.rps === 60 && p.attempt === 0 ? false : p.rps <= 100));
  assert.deepEqual(
    out.probes.slice(0, 2).map((p) => [p.rps, p.verdict, p.attempts]),
    [
      [30, 'held', ['held']],
      [60, 'held', ['breached', 'held']],
    ],
  );
  assert.equal(out.redlineRps, 99.4);
});

test('near the boundary, hold-breach-breach is a breach and breach-hold-hold a hold', () => {
  const script: Record<string, boolean[]> = { 97.5: [true, false, false], 101.3: [false, true, true] };
  const { out } = run(new RedlineSearch(base), (p) => script[p.rps]?.[p.attempt] ?? p.rps <= 100);
  const at = (rps: number) => out.probes.find((p) => p.rps === rps)!;
  assert.deepEqual([at(97.5).verdict, at(97.5).attempts], ['breached', ['held', 'breached', 'breached']]);
  assert.equal(
    out.probes.find((p) => p.rps === 101.3),
    undefined,
  ); // 97.5 broke, so the bracket moved below it
  assert.equal(out.status, 'redline');
  assert.ok(out.redlineRps! < 97.5);
});

test('a pool that serves nothing gets no redline (v1 gave 30): every attempt noData, the search ends as noData', () => {
  const { out, asked } = run(new RedlineSearch(base), () => ({ verdict: 'held', servedRps: 0 }));
  assert.deepEqual(asked, ['0:30#0', '0:30#1', '0:30#2', '0:30#3']);
  assert.equal(out.status, 'noData');
  assert.equal(out.redlineRps, null);
  assert.deepEqual(
    out.probes.map((p) => [p.rps, p.held, p.verdict]),
    [[30, false, 'noData']],
  );
  assert.equal(out.note, 'no data at 30 req/s per replica after 4 attempts (unstable, nothing served, or faulted)');
});

test('a probe still unstable after its repeats is noData, never held; inside a bracket the confirmed low stands', () => {
  const unstableAt =
    (rps: number) =>
    (p: Probe): boolean | AttemptResult =>
      p.rps === rps ? { verdict: 'unstable' } : p.rps <= 100;
  const ramp = run(new RedlineSearch(base), unstableAt(60)).out;
  assert.equal(ramp.status, 'noData');
  assert.equal(ramp.redlineRps, null);
  assert.deepEqual(
    ramp.probes.map((p) => [p.rps, p.verdict]),
    [
      [30, 'held'],
      [60, 'noData'],
    ],
  );
  const inside = run(new RedlineSearch(base), unstableAt(105)).out;
  assert.equal(inside.status, 'redline');
  assert.equal(inside.redlineRps, 90);
  assert.equal(inside.breachedRps, 120);
  assert.equal(inside.note, 'no data at 105 req/s per replica: stopped inside the bracket [90, 120]');
});

test('no breach up to the safety cap is noBreach with the cap named, never a redline', () => {
  const { out } = run(new RedlineSearch({ ...base, maxRps: 50, capLabel: 'the safety cap' }), () => true);
  assert.equal(out.status, 'noBreach');
  assert.equal(out.redlineRps, null);
  assert.equal(out.note, 'no breach up to 50 req/s per replica (the safety cap)');
});

test('a faulted attempt is repeated and never bounds the search, even when it breached', () => {
  const { out, asked } = run(new RedlineSearch(base), (p) =>
    p.rps === 60 && p.attempt < 2 ? { verdict: 'breached', faulted: true } : p.rps <= 100,
  );
  assert.deepEqual(asked.slice(0, 4), ['0:30#0', '0:60#0', '0:60#1', '0:60#2']);
  assert.deepEqual(out.probes[1].attempts, ['faulted', 'faulted', 'held']);
  assert.equal(out.redlineRps, 99.4);
  const always = run(new RedlineSearch(base), (p) =>
    p.rps === 60 ? { verdict: 'breached', faulted: true } : true,
  ).out;
  assert.equal(always.status, 'noData');
  assert.equal(always.breachedRps, null);
});

test('repeats: 3 searches, the later ones start ~12% below the first redline in 6% steps on shifted grids; the outcome is their median', () => {
  // The pool's capacity drifts: 100, then 96, then 98.
  const truth = [100, 96, 98];
  const { out, asked } = run(new RedlineSearch({ ...base, repeats: 3 }), (p) => p.rps <= truth[p.search]);
  assert.deepEqual(
    out.searches.map((s) => [s.status, s.redlineRps, s.breachedRps]),
    [
      ['redline', 99.4, 101.3],
      ['redline', 94.6, 97.4],
      ['redline', 98, 99.4],
    ],
  );
  // Search 2 starts at 99.4 × 0.88 × 1.02 = 89.2, search 3 at 99.4 × 0.88 × 1.04 = 91.
  const firstAttempts = (i: number) =>
    asked.filter((a) => a.startsWith(`${i}:`) && a.endsWith('#0')).map((a) => Number(a.slice(2, -2)));
  assert.deepEqual(firstAttempts(1), [89.2, 94.6, 100.3, 97.4]);
  assert.deepEqual(firstAttempts(2), [91, 96.5, 102.3, 99.4, 98]);
  assert.equal(out.status, 'redline');
  assert.equal(out.redlineRps, 98);
  assert.equal(
    out.probes.length,
    out.searches.reduce((n, s) => n + s.probes.length, 0),
  );
});

test('repeats with a coarse resolution (0.3) start at half the first redline, never below zero (a drill ended on -13.5 req/s)', () => {
  const { out, asked } = run(
    new RedlineSearch({ ...base, startRps: 40, rampFactor: 1.6, resolution: 0.3, repeats: 2 }),
    (p) => p.rps <= 66,
  );
  const rates = asked.map((a) => Number(a.slice(2, a.indexOf('#'))));
  assert.ok(
    rates.every((r) => Number.isFinite(r) && r > 0),
    asked.join(' '),
  );
  assert.equal(out.searches.length, 2);
  const first = out.searches[0].redlineRps!;
  // Search 2 starts at first × 0.5 × (1 + 0.6 / 2).
  assert.equal(Number(asked.find((a) => a.startsWith('1:'))!.slice(2, -2)), Math.round(first * 0.5 * 1.3 * 10) / 10);
  assert.equal(out.status, 'redline');
});

test('repeats after a search with no redline are not run (nothing to seed them)', () => {
  const { out } = run(new RedlineSearch({ ...base, maxRps: 50, repeats: 3 }), () => true);
  assert.equal(out.searches.length, 1);
  assert.equal(out.status, 'noBreach');
});

test('on a noisy pool (4% window noise, seeded, 300 searches) 3 repeats with confirmed breaches land within a median error under 3%', () => {
  const z = normalDraws(seededRandom(5));
  const errors: number[] = [];
  for (let i = 0; i < 300; i++) {
    const s = new RedlineSearch({ ...base, repeats: 3 });
    for (let p = s.next(); p; p = s.next()) s.record((p.rps / 100) * (1 + 0.04 * z()) <= 1);
    errors.push(Math.abs(s.outcome().redlineRps! - 100) / 100);
  }
  errors.sort((a, b) => a - b);
  const median = errors[150],
    p95 = errors[284];
  console.log(`noisy pool: median error ${(median * 100).toFixed(1)}%, p95 ${(p95 * 100).toFixed(1)}%`);
  assert.ok(median < 0.03, `median error ${median}`);
});

/**
 * A pool of true redline `cap` whose CPU share grows linearly to `limit` there and saturates at 1: each
 * attempt hints as the drill does (what a saturated probe served, else the CPU share scaled to its limit).
 */
function cpuLimited(cap: number, limit = 0.8) {
  return (p: Probe): AttemptResult => {
    const share = Math.min(1, (p.rps / cap) * limit);
    const served = Math.min(p.rps, cap / limit);
    const hintRps = served < 0.9 * p.rps ? served : (served / share) * limit;
    return { verdict: p.rps <= cap ? 'held' : 'breached', servedRps: served, hintRps };
  };
}

test('hints take a search from 3 req/s to a redline of 5,000 in a few probes, and to one of 0.5', () => {
  const up = run(
    new RedlineSearch({ startRps: 3, maxRps: 20_000, rampFactor: 1.5, resolution: 0.03 }),
    cpuLimited(5000),
  );
  assert.equal(up.out.status, 'redline');
  assert.ok(up.out.redlineRps! >= 4850 && up.out.redlineRps! <= 5000, `${up.out.redlineRps}`);
  // Without hints a ×1.5 ramp needs 19 probes to climb from 3 to 5,000; ×8 jumps and an aim just below take 6.
  assert.ok(up.asked.length <= 14, up.asked.join(' '));
  const down = run(new RedlineSearch({ startRps: 3, maxRps: 200, rampFactor: 1.5, resolution: 0.05 }), cpuLimited(0.5));
  assert.equal(down.out.status, 'redline');
  assert.ok(down.out.redlineRps! >= 0.45 && down.out.redlineRps! <= 0.5, `${down.out.redlineRps}`);
  assert.ok(down.asked.length <= 12, down.asked.join(' '));
  // Rates keep three significant figures below 10 req/s: 0.1 req/s steps would be 20% of this service.
  assert.ok(
    down.asked.some((a) => /:0\.\d\d/.test(a)),
    down.asked.join(' '),
  );
});

test('a hint never moves a ramp by less than a bisection step up, nor more than maxJump', () => {
  // Every attempt says the redline is right here (hint = the rate): the ramp still moves up by 2 × resolution.
  const still = run(new RedlineSearch({ startRps: 10, maxRps: 12, rampFactor: 2, resolution: 0.05 }), (p) => ({
    verdict: 'held',
    hintRps: p.rps,
  }));
  assert.deepEqual(still.asked.slice(0, 3), ['0:10#0', '0:11#0', '0:12#0']);
  // A hint a thousand times higher moves it by maxJump.
  const far = new RedlineSearch({ startRps: 10, maxRps: 1e6, rampFactor: 2, resolution: 0.05, maxJump: 4 });
  far.next();
  far.record({ verdict: 'held', hintRps: 10_000 });
  assert.equal(far.next()!.rps, 40);
});

test('a severe breach counts at once: a pool that collapsed is not overloaded a second time to confirm it', () => {
  const { asked, out } = run(new RedlineSearch({ startRps: 10, maxRps: 400, rampFactor: 2, resolution: 0.1 }), (p) =>
    p.rps <= 25 ? { verdict: 'held' } : { verdict: 'breached', severe: p.rps >= 40 },
  );
  // 40 collapsed (counted at once); 30 broke mildly (confirmed by a second attempt).
  assert.deepEqual(asked.slice(0, 4), ['0:10#0', '0:20#0', '0:40#0', '0:30#0']);
  assert.equal(asked[4], '0:30#1');
  assert.equal(out.status, 'redline');
});

test('an overloaded pool that answers nothing while a guard with data breaks is a breach, not missing data', () => {
  const s = new RedlineSearch({ startRps: 0.6, maxRps: 20, rampFactor: 2, resolution: 0.25 });
  assert.equal(s.next()?.rps, 0.6);
  s.record({ verdict: 'held', servedRps: 0.56 });
  const high = s.next()!.rps;
  s.record({ verdict: 'breached', servedRps: 1.04 });
  assert.equal(s.next()?.rps, high, 'a breach is tried again');
  // The backlog of the first attempt: nothing ends in the window, the CPU guard reads the quota.
  s.record({ verdict: 'breached', servedRps: 0, severe: true });
  const next = s.next()!.rps;
  assert.ok(next > 0.6 && next < high, `bisects below the breach: ${next}`);
  // Nothing served and no severe breach: no data, and a rate without data ends the search without a redline.
  const t = new RedlineSearch({ startRps: 10, maxRps: 100, rampFactor: 2, resolution: 0.25, maxAttempts: 2 });
  t.next();
  t.record({ verdict: 'noData', servedRps: 0 });
  t.record({ verdict: 'breached', servedRps: 0 });
  assert.equal(t.next(), null);
  assert.equal(t.outcome().redlineRps, null);
});
