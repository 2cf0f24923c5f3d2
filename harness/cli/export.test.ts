// `headroom export k6` end to end through its command function: files written, bad flags exit 104.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ConfigError } from '../common';
import { run } from './export';

const root = path.resolve(__dirname, '..', '..');
const io = () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { io: { stdout, stderr, env: {}, cwd: root }, text: () => ({ out, err }) };
};

test('export k6 writes script.ts, testrun.yaml, the proto and kubectl.sh', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-export-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const c = io();
  const code = await run(
    ['k6', 'scenarios/capacity-drill.ts', '--drill', 'drain-use1', '--parallelism', '3', '--out', dir],
    c.io,
  );
  assert.equal(code, 0);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['feed.proto', 'kubectl.sh', 'script.ts', 'testrun.yaml']);
  assert.equal(parse(fs.readFileSync(path.join(dir, 'testrun.yaml'), 'utf8')).spec.parallelism, 3);
  assert.match(c.text().out, /5 steps, 45 s/);
  assert.match(c.text().err, /loopback/);
});

test('export k6 refuses a bad --parallelism and a missing --out with ConfigErrors', async () => {
  await assert.rejects(
    run(['k6', 'scenarios/capacity-drill.ts', '--parallelism', '0', '--out', '/tmp/x'], io().io),
    (e: unknown) => e instanceof ConfigError && e.field === '--parallelism',
  );
  await assert.rejects(
    run(['k6', 'scenarios/capacity-drill.ts'], io().io),
    (e: unknown) => e instanceof ConfigError && e.field === '--out',
  );
  await assert.rejects(
    run(['gatling', 'scenarios/capacity-drill.ts', '--out', '/tmp/x'], io().io),
    (e: unknown) => e instanceof ConfigError && /expected 'k6'/.test(e.message),
  );
});
