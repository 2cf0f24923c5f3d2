// The accuracy suite's machinery on one tiny case with short steps and a coarse search (make accuracy runs the
// real cases and checks the figures): a service shape (busybox CGI, fork per request, from .cache/shapes/cgi:
// make shape-contexts), the truth from a twin replica's cgroup while the drill runs, readings on the drill's own
// replica before and after it, a CPU-limited redline with an interval, the table, and both clusters removed. It
// checks the pipeline, never how close the redline comes to the truth. Ports 18200-18299, clusters acc-m1 and
// acc-m1-twin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { StepRecord } from '../../results';
import { runAccuracySuite } from './suite';
import { formatAccuracy } from './truth';

const root = path.resolve(__dirname, '..', '..', '..');

test('accuracy machinery: a shape case, twin truth during a short redline search, readings before and after it, the table, nothing left', async (t) => {
  assert.ok(
    fs.existsSync(path.join(root, '.cache', 'shapes', 'cgi', 'rootfs', '.complete')),
    'the cgi shape has no build context: run make shape-contexts (bash clusters/shapes/prepare.sh cgi)',
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acc-test-'));
  const lines: string[] = [];
  const start = performance.now();
  // Each line with the seconds since the start: where the time went, when a run is slow.
  const at = (m: string) => lines.push(`${((performance.now() - start) / 1000).toFixed(1)} s ${m}`);
  const log = { info: at, warn: (m: string) => at(`warning: ${m}`), debug() {} };
  try {
    const { cases, failed, report, pairs } = await runAccuracySuite({
      // A small quota: at their CPU limits the replica and its twin need 0.15 of a core together.
      cases: [
        {
          kind: 'shape',
          name: 'tiny',
          cpus: 0.1,
          context: 'cgi',
          command: ['httpd', '-f', '-p', '{{host}}:{{port.http}}', '-h', '/www'],
          env: { BURN: '500' },
          health: '/healthz',
          path: '/cgi-bin/burn',
          startRps: 12,
          stopSignal: 'SIGKILL',
        },
      ],
      // One coarse search, ended by the loose precision (or the budget): the CPU hint takes it near the limit in a few probes.
      timing: {
        settle: '500ms',
        measure: '2s',
        repeats: 1,
        precision: 0.5,
        budget: '15s',
        rampFactor: 1.6,
        resolution: 0.3,
      },
      // One reading before the drill (it places the twin's loads) and one after, no warm-up.
      truth: { shares: [], settleMs: 500, windowMs: 2000, warmupMs: 0 },
      dir,
      clusterPrefix: 'acc-m',
      firstPort: 18200,
      cwd: root,
      log,
      runs: 1,
    });
    const all = `${lines.join('\n')}\n${steps(path.join(dir, 'tiny', 'run1', 'run'))}`;
    for (const l of all.split('\n')) t.diagnostic(l);
    assert.deepEqual(failed, [], all);
    const c = cases[0];
    assert.equal(c.exitCode, 0, all);
    // The twin's readings during the drill (those that kept up with their load), CPU rising with load.
    assert.equal(c.truthFrom, 'twin', all);
    assert.ok(c.truthDetail.points.length >= 3, JSON.stringify(c.truthDetail.points));
    assert.match(all, /truth twin, during the drill: /);
    const byRate = [...c.truthDetail.points].sort((a, b) => a.rps - b.rps);
    assert.ok(byRate.at(-1)!.share > byRate[0].share + 0.1, JSON.stringify(c.truthDetail.points));
    // The drill replica's own readings, taken before the drill and after it.
    assert.equal(all.match(/truth before: /g)?.length, 1, all);
    assert.equal(all.match(/truth after: /g)?.length, 1, all);
    // The drill found a CPU-limited redline with an interval around it, and said what ended its search.
    assert.equal(c.result?.status, 'redline', all);
    assert.ok(['precision', 'budget', 'drift'].includes(c.result!.endedBy!), c.result!.endedBy);
    assert.match(c.result!.limitedBy, /cpu_share/);
    const [low, high] = c.interval!;
    assert.ok(low <= c.redline! && c.redline! <= high, String(c.interval));
    // The table's row holds this case's truth and redline; one run, so no pair.
    assert.equal(report.rows.length, 1);
    assert.deepEqual(pairs, []);
    assert.match(
      formatAccuracy(report),
      new RegExp(`^\\| tiny \\| ${c.truth.toFixed(1)} \\| ${c.redline!.toFixed(1)} \\|`, 'm'),
    );
    // The case's replica and its twin are gone.
    for (const cluster of ['acc-m1', 'acc-m1-twin']) {
      const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=headroom.cluster=${cluster}`], {
        encoding: 'utf8',
      });
      assert.equal(left.trim(), '', cluster);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** The drill's steps, one line each, for a failure's message. */
function steps(runDir: string): string {
  const file = path.join(runDir, 'steps.ndjson');
  if (!fs.existsSync(file)) return 'no steps';
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const s = JSON.parse(l) as StepRecord;
      return (
        `step ${s.startedAt.slice(11, 19)}-${s.endedAt.slice(11, 19)} ${s.offeredRpsPerReplica} req/s: ${s.verdict} ` +
        `${JSON.stringify(s.targetFigures)} ${s.annotations.join('; ')}`
      );
    })
    .join('\n');
}
