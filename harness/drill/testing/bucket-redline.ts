// What a redline found on a token bucket of known rate (harness/cluster/testing/bucket-server.js) must show, for
// the drill tests on existing servers: a redline, below the bucket's rate. When nothing at or below the rate
// broke, also the bracket of the coarse search of fixtures/static/redline.ts: its first probe (0.6 of the rate)
// held and its probe above the rate broke. Below its rate a bucket breaks only when the machine stalls the
// generator or the server (a busy neighbour): the redline is then lower, and still below the rate.
import assert from 'node:assert/strict';
import type { RedlineResult, StepRecord } from '../../results';

/** Asserts the above; returns a note when the bracket was not checked (a probe at or below the rate broke). */
export function assertBucketRedline(
  r: RedlineResult,
  steps: readonly StepRecord[],
  rate: number,
  log: string,
): string | null {
  const shown = `${JSON.stringify(r)}\n${log}`;
  assert.equal(r.status, 'redline', shown);
  assert.ok(r.rpsPerReplica !== null && r.rpsPerReplica < rate, shown);
  const breached = steps.filter((s) => s.verdict === 'breached');
  const below = breached.filter((s) => (s.offeredRpsPerReplica ?? 0) <= rate);
  if (below.length)
    return (
      `probes at or below the rate of ${rate} broke (the machine stalled them), the bracket was not checked: ` +
      below.map((s) => `${s.offeredRpsPerReplica} req/s (${s.annotations.join('; ') || 'no note'})`).join(', ')
    );
  assert.ok(r.rpsPerReplica >= 0.6 * rate, shown);
  assert.ok(
    breached.some((s) => (s.offeredRpsPerReplica ?? 0) > rate),
    `nothing above the rate broke: ${steps.map((s) => `${s.offeredRpsPerReplica} ${s.verdict}`).join(', ')}\n${log}`,
  );
  return null;
}
