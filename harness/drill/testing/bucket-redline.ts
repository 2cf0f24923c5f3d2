// What a redline found on a token bucket of known rate (harness/cluster/testing/bucket-server.js) must show, for
// the drill tests on existing servers: a redline, below the bucket's rate. Where the generator kept its schedule,
// also the bracket of the coarse search of fixtures/static/redline.ts: its first probe (0.6 of the rate) held and
// its probe above the rate broke. On a machine too busy for the generator the steps say "generator late" and a
// probe below the rate may break: the redline is then lower, and still below the rate.
import assert from 'node:assert/strict';
import type { RedlineResult, StepRecord } from '../../results';

const late = /generator late|generator sent late/;

/** Asserts the above; returns a note when the bracket was not checked (the generator fell behind). */
export function assertBucketRedline(
  r: RedlineResult,
  steps: readonly StepRecord[],
  rate: number,
  log: string,
): string | null {
  const shown = `${JSON.stringify(r)}\n${log}`;
  assert.equal(r.status, 'redline', shown);
  assert.ok(r.rpsPerReplica !== null && r.rpsPerReplica < rate, shown);
  if (steps.some((s) => s.annotations.some((a) => late.test(a))))
    return `the generator fell behind its schedule in some steps: the bracket [0.6, 1.2] x ${rate} was not checked`;
  assert.ok(r.rpsPerReplica >= 0.6 * rate, shown);
  const breached = steps.filter((s) => s.verdict === 'breached').map((s) => s.offeredRpsPerReplica ?? 0);
  assert.ok(
    breached.some((x) => x > rate),
    `breached at ${breached}\n${log}`,
  );
  return null;
}
