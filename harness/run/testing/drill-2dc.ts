// Drills with the drill tests' scenario fixtures (harness/drill/fixtures: two DCs, one replica per pool) for
// run.docker.test.ts (cluster drill-2dc) and hold.docker.test.ts (cluster hold-2dc): each file runs its drills
// in-process or through the CLI, reads the run's files, and brings its cluster down at its end whatever happened.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { after } from 'node:test';
import { type RunningCluster, createDriver } from '../../cluster';
import { silentLogger } from '../../common';
import { loadClusterFile } from '../../config';
import type { StepRecord, Summary } from '../../results';
import { runScenario } from '../run';

export const root = path.resolve(__dirname, '..', '..', '..');
/** The drill's scenario fixtures (shared with drill/scenario.test.ts). */
export const fixtures = path.join(root, 'harness', 'drill', 'fixtures');

export function readSteps(dir: string): StepRecord[] {
  return fs
    .readFileSync(path.join(dir, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
}

/** Drills on the cluster of `clusterFile` (named `clusterName`), in a temporary directory removed at the end. */
export function drills2dc(clusterFile: string, clusterName: string) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `headroom-${clusterName}-`));
  after(async () => {
    // Whatever happened, no container of the test cluster stays behind.
    await createDriver(await loadClusterFile(path.join(fixtures, clusterFile))).down();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const containersLeft = (): string[] =>
    execFileSync('docker', ['ps', '-aq', '--filter', `label=headroom.cluster=${clusterName}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);

  async function drillWith(scenario: string, name: string, onUp?: (c: RunningCluster) => Promise<void>) {
    const out = path.join(tmp, name);
    const stderr = new PassThrough();
    let log = '';
    stderr.on('data', (d) => (log += d));
    const result = await runScenario({
      scenarioFile: path.join(fixtures, scenario),
      outDir: out,
      cwd: root,
      stdout: new PassThrough(),
      stderr,
      logger: silentLogger,
      tty: false,
      onClusterUp: onUp,
    });
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
    return { result, summary, steps: readSteps(out), out, log };
  }

  return { tmp, containersLeft, drillWith };
}
