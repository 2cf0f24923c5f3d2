import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { startCpuHog } from './hog';

test('the CPU hog runs `yes` pinned to one core under its own PID, and stop ends that process (twice is safe)', async () => {
  const hog = await startCpuHog(0);
  try {
    // taskset execs yes in the same process.
    for (let i = 0; i < 50 && fs.readFileSync(`/proc/${hog.pid}/comm`, 'utf8').trim() !== 'yes'; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(fs.readFileSync(`/proc/${hog.pid}/comm`, 'utf8').trim(), 'yes');
    assert.match(fs.readFileSync(`/proc/${hog.pid}/status`, 'utf8'), /^Cpus_allowed_list:\s*0$/m);
    assert.equal(hog.command, 'taskset -c 0 yes > /dev/null');
  } finally {
    await hog.stop();
    await hog.stop();
  }
  assert.equal(fs.existsSync(`/proc/${hog.pid}`), false);
});
