// What every shape's drill must show a user: exit 0, a redline for each server type searched, a drain toward the
// east region (when the drill has one), and nothing left of the cluster.
import assert from 'node:assert/strict';
import type { RedlineResult } from '../../results';
import { type ShapeRun, tail } from './shape-drill';

export function assertShapeDrill(r: ShapeRun, serverTypes: readonly string[], opts: { drain?: boolean } = {}): void {
  assert.equal(r.cli.code, 0, tail(r));
  const summary = r.summary;
  assert.ok(summary, `no summary.json\n${tail(r)}`);
  for (const type of serverTypes) {
    const rl: RedlineResult | undefined = summary.redlines.find((x) => x.serverType === type);
    assert.ok(rl, `no redline of ${type}\n${tail(r)}`);
    assert.equal(rl.status, 'redline', `${type}: ${rl.status}, limited by ${rl.limitedBy}\n${tail(r)}`);
    assert.ok((rl.rpsPerReplica ?? 0) > 0, `${type}: ${rl.rpsPerReplica}`);
  }
  if (opts.drain !== false) {
    assert.equal(summary.drains.length, 1, tail(r));
    assert.equal(summary.drains[0].target.name, 'east');
    assert.ok(summary.drains[0].steps >= 1, tail(r));
  }
  assert.deepEqual(r.left, [], 'containers left behind');
}
