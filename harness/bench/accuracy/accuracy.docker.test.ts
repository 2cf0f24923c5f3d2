// The accuracy suite's machinery on one small case with short steps (make accuracy runs the real
// cases): truth from a twin replica's cgroup while the drill runs (and the drill replica's before and after),
// a redline with an interval, the table. Checks the pipeline, not the targets. Ports 28000-28099, clusters
// acc-t1 and acc-t1-twin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runAccuracySuite } from './suite';
import { formatAccuracy } from './truth';

const root = path.resolve(__dirname, '..', '..', '..');

test('accuracy machinery: cgroup truth around a short redline search on the same replica, and the table', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acc-test-'));
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(`warning: ${m}`), debug() {} };
  try {
    const { cases, failed, report } = await runAccuracySuite({
      cases: [{ name: 'tiny', feedCpuMs: 2, cpus: 0.25 }],
      timing: { settle: '1s', measure: '2s', repeats: 2, startRps: 40, maxRps: 300, rampFactor: 1.6, resolution: 0.3 },
      // Two loads after the first: one reading that falls behind (a neighbour's burst in a 2 s window) leaves two for the line.
      truth: { shares: [0.5, 0.65], settleMs: 1000, windowMs: 2000, warmupMs: 2000, maxWarmupMs: 4000 },
      dir,
      clusterPrefix: 'acc-t',
      firstPort: 28000,
      cwd: root,
      log,
    });
    assert.deepEqual(failed, [], lines.join('\n'));
    const c = cases[0];
    assert.equal(c.exitCode, 0, lines.join('\n'));
    // The twin's readings during the drill (one may be left out on a starved machine), CPU rising with load;
    // the cost per request is the knob plus the HTTP overhead.
    assert.equal(c.truthFrom, 'twin', lines.join('\n'));
    assert.ok(c.truthDetail.points.length >= 3, JSON.stringify(c.truthDetail.points));
    assert.match(lines.join('\n'), /truth twin, during the drill: /);
    const byRate = [...c.truthDetail.points].sort((a, b) => a.rps - b.rps);
    assert.ok(byRate.at(-1)!.share > byRate[0].share + 0.1, JSON.stringify(c.truthDetail.points));
    assert.ok(c.truthDetail.cpuMsPerRequest > 2 && c.truthDetail.cpuMsPerRequest < 4, msg(c.truthDetail));
    // The drill replica's own readings before and after it.
    assert.ok(c.before.points.length >= 2 && c.after !== null, JSON.stringify(c.before.points));
    // The drill found a CPU-limited redline with an interval around it, in the truth's neighbourhood.
    assert.equal(c.result?.status, 'redline', lines.join('\n'));
    assert.match(c.result!.limitedBy, /cpu_share/);
    const [low, high] = c.interval!;
    assert.ok(low <= c.redline! && c.redline! <= high, String(c.interval));
    assert.ok(Math.abs(c.redline! - c.truth) / c.truth < 0.3, `redline ${c.redline} vs truth ${c.truth}`);
    assert.equal(report.rows.length, 1);
    assert.match(
      formatAccuracy(report),
      new RegExp(`^\\| tiny \\| ${c.truth.toFixed(1)} \\| ${c.redline!.toFixed(1)} \\|`, 'm'),
    );
    // The case's replica and its twin are gone.
    for (const cluster of ['acc-t1', 'acc-t1-twin']) {
      const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=headroom.cluster=${cluster}`], {
        encoding: 'utf8',
      });
      assert.equal(left.trim(), '', cluster);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const msg = (t: { cpuMsPerRequest: number; points: unknown }) =>
  `${t.cpuMsPerRequest} ms/req ${JSON.stringify(t.points)}`;
