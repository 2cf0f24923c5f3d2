// Faults of a real drill run against real Docker, two drills side by side on one-replica clusters of their own
// (ports 16590-16599): a SIGKILLed drill is rebuilt by `headroom report` as "crashed"; a results disk that fills
// mid-run stops the drill as an interrupt does (exit 106, complete lines kept, never "passed").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StepRecord, Summary } from '../results';
import { headroomJs, projectRoot } from '../cluster/testing/test-kit';
import { containersLeft, drillKit, readSummary } from './testing/drill-kit';

const kit = drillKit('faults');

/** Light traffic held for many steps of 1 s on a one-replica cluster: long enough to be cut short. */
function holdDrill(cluster: string, ports: string): string {
  return kit.write(
    cluster,
    {
      name: cluster,
      driver: 'docker',
      ports,
      service: { env: { FEED_CPU_MS: '0.5' } },
      serverTypes: { small: { cpus: 0.25, memoryMb: 128 } },
      regions: [{ name: 'east', dcs: [{ name: 'dc1', demand: 1, pools: { small: 1 } }] }],
    },
    {
      name: cluster,
      mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed?user=1' }] },
      baselineRps: 20,
      guards: { http_req_failed: ['rate<0.05'] },
      safety: { maxErrorRate: 0.5, maxTotalRps: 100 },
      settle: '0.5s',
      measure: '1s',
      drills: [{ kind: 'hold', name: 'hold', steps: 30 }],
    },
  );
}

const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
/** Calls `then(child)` once the n-th step line is out. */
const atStep = (n: number, then: (child: ChildProcess) => void) => {
  let done = false;
  return (log: string, child: ChildProcess) => {
    if (!done && (log.match(/\[hold #\d+\]/g) ?? []).length >= n) {
      done = true;
      then(child);
    }
  };
};

describe('faults of a drill run', { concurrency: 2 }, () => {
  test('SIGKILL after some steps: `headroom report <run>` rebuilds the summary from steps.ndjson, marked crashed', async () => {
    const cluster = 'faults-killed';
    const scenario = holdDrill(cluster, '16590-16594');
    const r = await kit.cli(scenario, 'killed', { onLog: atStep(2, (child) => child.kill('SIGKILL')) });
    assert.equal(r.signal, 'SIGKILL', r.log);
    assert.ok(!fs.existsSync(path.join(r.out, 'summary.json')));
    const kept = lines(path.join(r.out, 'steps.ndjson')).length;
    assert.ok(kept >= 2, r.log);
    const rep = spawn(process.execPath, [headroomJs, 'report', r.out], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    rep.stdout.on('data', (d) => (text += d));
    rep.stderr.on('data', (d) => (text += d));
    const code = await new Promise((resolve) => rep.on('exit', resolve));
    assert.equal(code, 0, text);
    assert.match(
      text,
      new RegExp(`crashed run \\(no summary.json\\): summary rebuilt from run.json and ${kept} steps`),
    );
    const summary = readSummary(r.out);
    assert.equal(summary.status, 'crashed');
    assert.equal(summary.cluster.name, cluster);
    assert.ok(fs.statSync(path.join(r.out, 'index.html')).size > 1000);
    // The killed run's container is left running: the next run of the cluster removes it, here the kit's after().
    assert.equal(containersLeft(cluster).length, 1);
  });

  test('the results disk fills mid-run: the drill stops as on Ctrl-C, keeps complete lines, exit 106, never "passed"', async (t) => {
    const cluster = 'faults-full';
    const scenario = holdDrill(cluster, '16595-16599');
    const out = path.join(kit.tmp, 'runs', 'full');
    fs.mkdirSync(out, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'faults-full', out]);
    t.after(() => execFileSync('umount', [out]));
    // Once two steps are in, fill what is left of the disk, so the next step's line cannot be written.
    const r = await kit.cli(scenario, 'full', {
      onLog: atStep(2, () => {
        try {
          fs.writeFileSync(path.join(out, 'ballast'), Buffer.alloc(1024 * 1024));
        } catch {
          /* ENOSPC: full, as wanted */
        }
      }),
    });
    assert.equal(r.code, 106, r.log);
    assert.match(
      r.log,
      new RegExp(
        `could not write results: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[a-z.]+: ENOSPC: no space left on device`,
      ),
    );
    assert.doesNotMatch(r.log, /internal error|\n\s+at /);
    const steps = lines(path.join(out, 'steps.ndjson')).map((l) => JSON.parse(l) as StepRecord);
    assert.ok(steps.length >= 2 && steps.length < 30, r.log);
    assert.deepEqual(
      steps.map((s) => s.index),
      steps.map((_, i) => i),
    );
    const summaryFile = path.join(out, 'summary.json');
    if (fs.existsSync(summaryFile))
      assert.notEqual((JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary).status, 'passed');
    assert.deepEqual(containersLeft(cluster), []);
  });
});
