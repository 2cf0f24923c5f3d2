// SIGHUP (a closed terminal or SSH session) stops a drill as Ctrl-C does, against the real daemon
// (fixtures/sighup-1dc.yaml, ports 11100-11199): exit 105, summary.json 'interrupted', index.html
// written, no container left.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { containersWithLabel, docker, headroomJs, projectRoot } from '../cluster/testing/test-kit';

const scenario = path.join(__dirname, 'fixtures', 'hold-sighup.ts');
const clusterLabel = 'headroom.cluster=own-test-signals';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'own-test-signals-'));

after(async () => {
  for (const id of await containersWithLabel(clusterLabel)) await docker(['rm', '-f', id]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('SIGHUP once the cluster is up: exit 105, an interrupted summary, a report, no container left', async () => {
  const out = path.join(tmp, 'sighup');
  const child = spawn(process.execPath, [headroomJs, 'drill', scenario, '--out', out], {
    cwd: projectRoot,
    env: { ...process.env, HEADROOM_LIVE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let sent = false;
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => {
    log += d;
    if (!sent && /cluster own-test-signals: 1 replicas up in/.test(log)) {
      sent = true;
      child.kill('SIGHUP');
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  assert.equal(sent, true, log);
  assert.equal(signal, null, `killed by ${signal}: ${log}`);
  assert.equal(code, 105, log);
  assert.match(log, /interrupted by SIGHUP/);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as { status: string };
  assert.equal(summary.status, 'interrupted');
  assert.ok(fs.statSync(path.join(out, 'index.html')).size > 0, 'index.html written');
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});
