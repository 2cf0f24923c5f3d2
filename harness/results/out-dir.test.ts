// The run directory before a drill starts and while it writes, on real
// filesystems: a non-empty --out is refused or moved aside, a read-only one is refused with the OS
// reason, and a full disk makes the writer fail with the path and reason, keeping only complete lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, ExitCode, WriteFailed } from '../common';
import { prepareOutDir, RunWriter, type StepRecord, type Summary } from './index';

function tmpDir(t: { after: (f: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-out-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A tmpfs at a fresh directory, unmounted when the test ends (root ignores file permissions, not a read-only mount). */
function tmpfs(t: { after: (f: () => void) => void }, options: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-out-'));
  const mnt = path.join(dir, 'mnt');
  fs.mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'fault-test-out', mnt]);
  t.after(() => {
    execFileSync('umount', [mnt]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return mnt;
}

test('--out that exists and is not empty: exit 104 naming it, unless --replace moves it aside', (t) => {
  const dir = path.join(tmpDir(t), 'run');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'steps.ndjson'), '{"index":0}\n');
  assert.throws(
    () => prepareOutDir(dir),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.exitCode === ExitCode.invalidConfig &&
      err.message.startsWith(`${dir}: --out: exists and is not empty (1 entries, e.g. steps.ndjson)`),
  );
  assert.equal(fs.readFileSync(path.join(dir, 'steps.ndjson'), 'utf8'), '{"index":0}\n');
  const { movedTo } = prepareOutDir(dir, { replace: true, now: new Date('2026-11-30T16:00:00.000Z') });
  assert.equal(movedTo, `${dir}.replaced-2026-11-30T16-00-00.000Z`);
  assert.equal(fs.readFileSync(path.join(movedTo!, 'steps.ndjson'), 'utf8'), '{"index":0}\n');
  assert.deepEqual(fs.readdirSync(dir), []);
  // An empty directory is fine as it is.
  assert.deepEqual(prepareOutDir(dir), { movedTo: null });
});

test('--out on a read-only filesystem: exit 104 with the path and the OS reason, no stack trace', (t) => {
  const ro = tmpfs(t, 'ro,size=1m');
  for (const dir of [ro, path.join(ro, 'reports', 'run')]) {
    assert.throws(
      () => prepareOutDir(dir),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.exitCode === ExitCode.invalidConfig &&
        err.message.startsWith(`${dir}: --out: not writable: EROFS: read-only file system`),
      `for ${dir}`,
    );
  }
});

test('a full disk: the writer fails with the path and the OS reason, and steps.ndjson keeps only complete lines', (t) => {
  const mnt = tmpfs(t, 'size=16k');
  const w = new RunWriter(mnt);
  const step = { runId: 'r1', drill: 'd', kind: 'hold', index: 0, pad: 'x'.repeat(3000) } as unknown as StepRecord;
  let written = 0;
  let failure: unknown = null;
  for (let i = 0; i < 20 && !failure; i++) {
    try {
      w.appendStep({ ...step, index: i });
      written++;
    } catch (err) {
      failure = err;
    }
  }
  assert.ok(failure instanceof WriteFailed, String(failure));
  assert.equal(failure.exitCode, ExitCode.writeFailed);
  assert.equal(failure.message, `could not write results: ${w.stepsFile}: ENOSPC: no space left on device, write`);
  const text = fs.readFileSync(w.stepsFile, 'utf8');
  assert.ok(text.endsWith('\n'));
  assert.deepEqual(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).index),
    Array.from({ length: written }, (_, i) => i),
  );
  // summary.json through a temp name: a failed write leaves no half file and no temp file behind.
  const summary = { runId: 'r1', status: 'passed', pad: 'y'.repeat(64 * 1024) } as unknown as Summary;
  assert.throws(
    () => w.writeSummary(summary),
    (err: unknown) => err instanceof WriteFailed && /summary\.json: ENOSPC/.test(err.message),
  );
  assert.deepEqual(fs.readdirSync(mnt).sort(), ['steps.ndjson']);
});
