// The lock the installed CLI's helper takes: one holder at a time across processes, and a lock whose
// holder died is taken over instead of waited for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withLock } from './dir-lock';

const root = path.resolve(__dirname, '..', '..');

test('two processes asking at the same moment: their sections never overlap', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pk-dir-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lock = path.join(dir, 'lock');
  const log = path.join(dir, 'log');
  // Each holds the lock for 300 ms and writes its pid on the way in and on the way out.
  const section = `require('./harness/testing/dir-lock').withLock(${JSON.stringify(lock)}, async () => {
    const fs = require('node:fs');
    fs.appendFileSync(${JSON.stringify(log)}, 'in ' + process.pid + '\\n');
    await new Promise((r) => setTimeout(r, 300));
    fs.appendFileSync(${JSON.stringify(log)}, 'out ' + process.pid + '\\n');
  })`;
  const runs = [0, 1].map(
    () =>
      new Promise<number | null>((resolve) =>
        spawn(process.execPath, ['--require', './harness/testing/swc-register.js', '-e', section], {
          cwd: root,
          stdio: 'inherit',
        }).once('exit', resolve),
      ),
  );
  assert.deepEqual(await Promise.all(runs), [0, 0]);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(lines.length, 4);
  // in A, out A, in B, out B: each pid's out follows its in at once.
  for (const i of [0, 2]) assert.equal(lines[i + 1], lines[i].replace('in', 'out'), lines.join(' | '));
});

test('a lock whose holder died is taken over at once; the lock is gone after the section', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pk-dir-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lock = path.join(dir, 'lock');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  mkdirSync(lock);
  writeFileSync(path.join(lock, 'owner'), `${dead}\n`);
  // No time to wait at all: only a lock taken over at once (not waited for) lets the section run.
  assert.equal(await withLock(lock, async () => 'ran', 0), 'ran');
  assert.throws(() => readFileSync(path.join(lock, 'owner')), /ENOENT/);
});

test('a live holder is waited for, up to the limit, and the error names it', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pk-dir-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lock = path.join(dir, 'lock');
  mkdirSync(lock);
  writeFileSync(path.join(lock, 'owner'), `${process.pid}\n`);
  await assert.rejects(
    withLock(lock, async () => 'ran', 600),
    new RegExp(`still held by pid ${process.pid} after 600 ms`),
  );
});
