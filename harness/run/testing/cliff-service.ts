// A tier of cliff servers (cliff-server.js: RATE answers a second per replica, 503 beyond) for the run tests'
// cluster files: the reference image runs the script through `node -e`, so no other image is built, and a
// capacity test meets a limit no busy neighbour can move, unlike a CPU quota. With what a search of it must do.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StepRecord } from '../../results';

const script = path.join(__dirname, 'cliff-server.js');

/** The `services:` entry of a tier whose every replica answers `rate` requests a second and 503 above. */
export function cliffService(rate: number) {
  return {
    reference: { env: {} },
    // The image's node: /usr/local/bin/node both in the offline image and in node:20-slim.
    entrypoint: ['/usr/local/bin/node', '-e', fs.readFileSync(script, 'utf8'), 'cliff-server'],
    command: ['{{port.http}}', String(rate)],
    ports: ['http'],
    health: { http: '/healthz' },
  };
}

/**
 * The steps of a redline search of a cliff pool whose first probe (at `held` req/s per replica) a fault cut short,
 * checked against what the search must do: repeat that probe until it holds with the pool whole, however many
 * times the marks out and in touched its attempts (the first may end breached on the fault's errors before the
 * replica is marked out), then break twice at `broken` and stop there.
 */
export function assertSearchPastFault(steps: readonly StepRecord[], held: number, broken: number, log: string): void {
  const rates = steps.map((s) => [s.offeredRpsPerReplica, s.verdict]);
  assert.equal(steps[0].offeredRpsPerReplica, held, log);
  assert.ok(steps.length >= 4, log);
  assert.deepEqual(
    rates.slice(-2),
    [
      [broken, 'breached'],
      [broken, 'breached'],
    ],
    log,
  );
  const before = steps.slice(0, -2);
  assert.ok(
    before.every((s) => s.offeredRpsPerReplica === held),
    log,
  );
  const last = before.at(-1)!;
  assert.equal(last.verdict, 'held', log);
  assert.ok(
    last.replicas.every((r) => r.serving),
    log,
  );
}
