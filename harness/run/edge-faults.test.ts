// When an edge counts as lost: a refused connection at once, timeouts only several in a row over seconds,
// a refusal of another kind (a bad answer) never by itself; the first fault is kept and says what to run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterError, silentLogger } from '../common';
import { EdgeClaimLost, RuntimeUnreachable } from '../edge';
import { EdgeFaults } from './edge-faults';

const url = 'tcp://127.0.0.1:1';
const message = (f: EdgeFaults): string => f.fault?.message ?? '';
const make = () => {
  let now = 0;
  const faults = new EdgeFaults({
    what: `HAProxy at ${url}`,
    lastWeights: () => 'be use1=0.600 euw1=0.400 (be/a=256 be/b=171)',
    restoreHint: '`headroom edge restore /runs/r` puts back the weights found at start',
    logger: silentLogger,
    now: () => now,
  });
  return { faults, tick: (ms: number) => (now += ms) };
};

test('a refused connection is the edge lost at once, with the last weights and the restore command', () => {
  const { faults } = make();
  faults.readFailed(
    new RuntimeUnreachable(url, 'connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'),
    'reading show stat',
  );
  assert.ok(faults.fault instanceof ClusterError);
  assert.equal(faults.fault.exitCode, 110);
  assert.match(
    faults.fault.message,
    /lost the load balancer being drilled \(HAProxy at tcp:\/\/127\.0\.0\.1:1\): reading show stat failed: .*ECONNREFUSED.*The last weights that took effect: be use1=0\.600.*`headroom edge restore \/runs\/r`/,
  );
  assert.equal(faults.claimLost, false);
});

test('timeouts: lost only after three in a row with no answer for five seconds; an answer resets the count', () => {
  const { faults, tick } = make();
  const timeout = () => new RuntimeUnreachable(url, 'no answer within 2000 ms', 'timeout');
  faults.readFailed(timeout(), 'reading show stat');
  tick(2000);
  faults.readFailed(timeout(), 'reading show stat');
  faults.answered();
  tick(2000);
  faults.readFailed(timeout(), 'reading show stat');
  tick(2000);
  faults.readFailed(timeout(), 'reading show stat');
  assert.equal(faults.fault, null, 'two timeouts since the last answer');
  tick(100);
  faults.readFailed(timeout(), 'reading show stat');
  assert.equal(faults.fault, null, 'three, but 4.1 s without an answer');
  tick(1000);
  faults.readFailed(timeout(), 'reading show stat');
  assert.match(message(faults), /4 times in a row, no answer for 5\.1 s/);
});

test('a weight change that failed is a fault; a lost claim is kept as such; the first fault stays', () => {
  const { faults } = make();
  faults.readFailed(new ClusterError('edge: show stat: garbage'), 'reading show stat');
  assert.equal(faults.fault, null, 'a bad answer alone is not the edge lost');
  faults.claimWasLost(new EdgeClaimLost('edge: run r no longer holds HAProxy at tcp://127.0.0.1:1: reloaded'));
  assert.equal(faults.claimLost, true);
  faults.changeFailed(new ClusterError('edge: HAProxy refused a weight change'), 'setting weights');
  assert.match(message(faults), /no longer holds HAProxy.*no longer changes or restores its weights/);
  const other = make().faults;
  other.changeFailed(
    new ClusterError('edge: HAProxy refused a weight change: No such server.'),
    'setting weights {"use1":1}',
  );
  assert.match(message(other), /setting weights \{"use1":1\} failed: edge: HAProxy refused a weight change/);
});
