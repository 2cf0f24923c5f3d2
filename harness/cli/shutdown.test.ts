// The shutdown's rules with a fake clock and a fake exit: the first signal stops the command, a second
// forces the exit once what remains of the teardown's time limit is spent, naming what may be left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Shutdown, type ShutdownDeps } from './shutdown';

function fakeProcess() {
  const world = {
    now: 1_000_000,
    written: '',
    exits: [] as number[],
    timers: [] as { at: number; fn: () => void; cancelled: boolean }[],
  };
  const deps: ShutdownDeps = {
    now: () => world.now,
    setTimer(fn, ms) {
      const t = { at: world.now + ms, fn, cancelled: false };
      world.timers.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
    write: (text) => (world.written += text),
    exit: (code) => world.exits.push(code),
  };
  /** Moves the clock and fires the timers that are due. */
  const advance = (ms: number) => {
    world.now += ms;
    for (const t of world.timers) {
      if (!t.cancelled && t.at <= world.now) {
        t.cancelled = true;
        t.fn();
      }
    }
  };
  return { world, deps, advance };
}

test('the first signal aborts with its name; a second during the teardown exits 105 when its time limit is up', () => {
  const { world, deps, advance } = fakeProcess();
  const s = new Shutdown(deps, 30_000);
  s.holding('the containers of cluster c1 (run r1) may be left: `headroom down c1.yaml` removes them');
  s.onSignal('SIGHUP');
  assert.equal(s.signal.aborted, true);
  assert.equal(s.signal.reason, 'SIGHUP');
  assert.equal(world.timers.length, 0, 'the first signal only asks the run to stop');
  advance(5_000);
  s.tearingDown(world.now + 30_000);
  advance(10_000);
  s.onSignal('SIGINT');
  assert.match(world.written, /second SIGINT: exiting in 20 s at most/);
  s.onSignal('SIGINT'); // a third changes nothing
  assert.equal(world.timers.length, 1);
  advance(19_999);
  assert.deepEqual(world.exits, []);
  advance(1);
  assert.deepEqual(world.exits, [105]);
  assert.match(
    world.written,
    /exiting before the teardown finished; the containers of cluster c1 \(run r1\) may be left: `headroom down c1\.yaml` removes them/,
  );
});

test('a second signal before the teardown began waits the whole limit; a run that ends first is not cut short', () => {
  const { world, deps, advance } = fakeProcess();
  const s = new Shutdown(deps, 7_000);
  s.onSignal('SIGTERM');
  s.onSignal('SIGTERM');
  assert.match(world.written, /exiting in 7 s at most/);
  advance(6_000);
  s.done();
  advance(60_000);
  assert.deepEqual(world.exits, []);
});
