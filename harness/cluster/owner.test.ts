// Who holds a cluster, with a fake process table: this process, a live headroom process, a dead pid,
// a reused pid, another host within and past the stale limit, containers without owner labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ClusterError } from '../common';
import {
  currentOwner,
  heldError,
  localProbe,
  type Owner,
  ownerIsLive,
  ownerLabels,
  ownerOf,
  type ProcessProbe,
  sortByOwner,
  startTimeOfStat,
} from './owner';

const now = Date.parse('2026-11-30T12:00:00Z');
const procs: Record<number, { start: string; cmdline: string }> = {
  100: { start: '5000', cmdline: 'node /opt/headroom/harness/cli/headroom.js drill s.ts' },
  200: { start: '7000', cmdline: 'sleep 100' },
};
const probe: ProcessProbe = {
  hostname: 'ci-1',
  self: 100,
  now,
  alive: (pid) => pid in procs,
  startOf: (pid) => procs[pid]?.start,
  cmdlineOf: (pid) => procs[pid]?.cmdline,
};
const owner = (o: Partial<Owner>): Owner => ({
  runId: 'r',
  host: 'ci-1',
  pid: 100,
  since: new Date(now - 60_000).toISOString(),
  ...o,
});

test('same host: live while the same process runs; a dead or reused pid is dead', () => {
  assert.equal(ownerIsLive(owner({ pid: 100, pidStart: '5000' }), probe), true, 'this process');
  assert.equal(
    ownerIsLive(owner({ pid: 100, pidStart: '4000' }), probe),
    false,
    'our pid, but an earlier process had it',
  );
  assert.equal(ownerIsLive(owner({ pid: 300 }), probe), false, 'no such process');
  assert.equal(
    ownerIsLive(owner({ pid: 200, pidStart: '6000' }), probe),
    false,
    'the pid was reused (another start time)',
  );
  assert.equal(ownerIsLive(owner({ pid: 200, pidStart: '7000' }), probe), true, 'the very process that started them');
  assert.equal(
    ownerIsLive(owner({ pid: 200 }), probe),
    false,
    'no start time: its command line does not name headroom',
  );
  const other = { ...probe, self: 999 };
  assert.equal(ownerIsLive(owner({ pid: 100 }), other), true, 'no start time: a headroom command line');
});

test('another host: live until the stale limit after it started, 24 h by default', () => {
  assert.equal(ownerIsLive(owner({ host: 'ci-2', since: new Date(now - 23 * 3600_000).toISOString() }), probe), true);
  assert.equal(ownerIsLive(owner({ host: 'ci-2', since: new Date(now - 25 * 3600_000).toISOString() }), probe), false);
  assert.equal(
    ownerIsLive(owner({ host: 'ci-2', since: new Date(now - 2 * 3600_000).toISOString() }), probe, 3600_000),
    false,
  );
});

test('labels round-trip; containers without owner labels are leftovers; held ones are grouped by owner', () => {
  const a = owner({ runId: 'run-a', pid: 200, pidStart: '7000' });
  const labelsA = { 'headroom.run': 'run-a', ...ownerLabels(a) };
  assert.deepEqual(ownerOf(labelsA, 'headroom.run'), a);
  assert.equal(ownerOf({ 'headroom.run': 'v1' }, 'headroom.run'), undefined);
  const dead = { 'headroom.run': 'run-d', ...ownerLabels(owner({ runId: 'run-d', pid: 300 })) };
  const mine = { 'headroom.run': 'run-m', ...ownerLabels(owner({ runId: 'run-m', pid: 100, pidStart: '5000' })) };
  const found = [labelsA, labelsA, dead, { 'headroom.run': 'v1' }, mine];
  const { held, removable } = sortByOwner(
    found,
    (l) => l,
    (o) => o.runId === 'run-m',
    'headroom.run',
    probe,
  );
  assert.deepEqual(held, [{ owner: a, containers: 2 }]);
  assert.deepEqual(removable, [dead, { 'headroom.run': 'v1' }, mine]);
  const err = heldError('c1', 'clusters/c1.yaml', held, 'nothing was started or removed');
  assert.ok(err instanceof ClusterError && err.exitCode === 110);
  assert.equal(
    err.message,
    `cluster c1 is in use by run run-a (host ci-1, pid 200, since ${a.since}): 2 containers; nothing was started or removed`,
  );
  assert.match(err.hint!, /`headroom down --force clusters\/c1\.yaml` removes its containers/);
});

test('this process on this machine: its start time from /proc, and it is live', () => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  assert.match(startTimeOfStat(stat) ?? '', /^\d+$/);
  assert.equal(
    startTimeOfStat('42 (a) b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 123456 x'),
    '123456',
    'a command name with ") "',
  );
  const me = currentOwner('r-self');
  assert.equal(me.pid, process.pid);
  assert.equal(ownerIsLive(me, localProbe()), true);
});
