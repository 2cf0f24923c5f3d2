// A broken forecast stops a drill before anything starts: exit 104 naming the file and the field,
// no run directory, no container (the cluster is never brought up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { ExitCode, HeadroomError, exitCodeOf, projectRoot } from '../common';
import { runScenario } from './index';

test('drill --forecast <broken CSV>: ConfigError (exit 104) before the cluster comes up; no run directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trust-test-forecast-'));
  try {
    const forecast = path.join(dir, 'broken.csv');
    fs.writeFileSync(forecast, 'dc,peak_rps\nuse1,lots\n');
    const outDir = path.join(dir, 'run');
    const silent = { info() {}, warn() {}, debug() {} };
    await assert.rejects(
      runScenario({
        scenarioFile: path.join(projectRoot, 'scenarios', 'redline.ts'),
        forecast,
        outDir,
        cwd: dir,
        stdout: new PassThrough(),
        stderr: new PassThrough(),
        logger: silent,
      }),
      (e: unknown) =>
        e instanceof HeadroomError &&
        exitCodeOf(e) === ExitCode.invalidConfig &&
        e.message.includes(forecast) &&
        /peak_rps/.test(e.message),
    );
    assert.equal(fs.existsSync(outDir), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
