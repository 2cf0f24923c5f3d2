// Every command through main(): --help prints its flags and exits 0; an unknown flag, a missing value
// or a bad value exits 104 naming the flag, the value and what was expected. A bad environment too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from './main';
import type { CliIo } from './io';

const root = path.join(__dirname, '..', '..');

async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        add(String(chunk));
        cb();
      },
    });
  const io: CliIo = { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), env, cwd: root };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const commands: Record<string, { flag: string; args: string[] }> = {
  up: { flag: '--run-id', args: ['clusters/local-3dc.yaml'] },
  down: { flag: '--quiet', args: ['clusters/local-3dc.yaml'] },
  status: { flag: '--json', args: ['clusters/local-3dc.yaml'] },
  load: { flag: '--max-in-flight', args: ['http://127.0.0.1:7200/', '--rate', '1', '--duration', '1s'] },
  drill: { flag: '--baseline', args: ['scenarios/smoke.ts'] },
  plan: { flag: '--utilization', args: ['--capacity', 'x', '--forecast', 'y'] },
  report: { flag: '--max-drop', args: ['reports/x'] },
  compare: { flag: '--max-drop', args: ['a', 'b'] },
};

for (const [name, { flag, args }] of Object.entries(commands)) {
  test(`${name} --help prints its usage and flags, exit 0, even beside other arguments`, async () => {
    for (const argv of [
      [name, '--help'],
      [name, '-h'],
      [name, ...args, '--help'],
    ]) {
      const r = await cli(argv);
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: headroom ${name} `));
      assert.ok(
        r.stdout.includes(`${flag} `) || r.stdout.includes(`${flag}\n`) || r.stdout.includes(`${flag}  `),
        r.stdout,
      );
      assert.match(r.stdout, /-h, --help/);
      assert.equal(r.stderr, '');
    }
  });

  test(`${name}: an unknown flag exits 104 naming it, its value and the flags expected`, async () => {
    const r = await cli([name, ...args, '--colour=blue']);
    assert.equal(r.code, 104, r.stderr);
    assert.match(
      r.stderr,
      /^headroom: command line: --colour: unknown flag \(value 'blue'\); expected one of .*--help/m,
    );
    assert.ok(r.stderr.includes(flag), r.stderr);
    assert.match(r.stderr, new RegExp(`hint: see \`headroom ${name} --help\``));
    assert.equal(r.stdout, '');
  });
}

test('a flag without its value exits 104 naming the flag and the value expected', async () => {
  const r = await cli(['compare', 'a', 'b', '--max-drop']);
  assert.equal(r.code, 104);
  assert.match(r.stderr, /command line: --max-drop: missing value; expected --max-drop SHARE/);
  const s = await cli(['status', 'clusters/local-3dc.yaml', '--json=yes']);
  assert.equal(s.code, 104);
  assert.match(s.stderr, /--json: value 'yes': expected no value \(a switch\)/);
});

test('wrong number of arguments exits 104 naming what was given and expected', async () => {
  const r = await cli(['compare', 'only-one']);
  assert.equal(r.code, 104);
  assert.match(r.stderr, /command line: arguments: got 1 \('only-one'\); expected 2: usage: headroom compare /);
  const p = await cli(['plan', 'stray', '--capacity', 'x']);
  assert.equal(p.code, 104);
  assert.match(p.stderr, /arguments: got 1 \('stray'\); expected 0/);
  const f = await cli(['plan', '--capacity', 'x']);
  assert.equal(f.code, 104);
  assert.match(f.stderr, /--forecast: missing; expected --forecast CSV/);
});

test('bad values: every one at once, each naming flag, value and expectation', async () => {
  const r = await cli([
    'plan',
    '--capacity',
    'x',
    '--forecast',
    'y',
    '--utilization',
    '2',
    '--spares',
    'some',
    '--growth',
    'big',
  ]);
  assert.equal(r.code, 104);
  assert.match(r.stderr, /--utilization: value '2': expected a share such as 0\.05 or 5% between 0 and 1/);
  assert.match(r.stderr, /--spares: value 'some': expected a whole number >= 0/);
  assert.match(r.stderr, /--growth: value 'big': expected a share/);
  const l = await cli(['load', 'http://127.0.0.1:7200/', '--vus', '1.5', '--duration', '1s', '--timeout', 'never']);
  assert.equal(l.code, 104);
  assert.match(l.stderr, /--vus: value '1\.5': expected a whole number > 0/);
  assert.match(l.stderr, /--timeout: value 'never': expected a duration like '30s' or '1m' above 0/);
});

test('a bad environment value exits 104 naming the variable, the value and what was expected', async () => {
  const r = await cli(['status', 'harness/config/fixtures/static-2dc.yaml'], {
    HEADROOM_HEALTH_TIMEOUT_S: 'soon',
    HEADROOM_LIVE: 'yes',
  });
  assert.equal(r.code, 104);
  assert.match(r.stderr, /environment: HEADROOM_HEALTH_TIMEOUT_S: value 'soon': expected seconds > 0/);
  assert.match(r.stderr, /environment: HEADROOM_LIVE: value 'yes': expected 0 or 1/);
  const d = await cli(['down', 'harness/config/fixtures/static-2dc.yaml'], { DOCKER_HOST: 'localhost:2375' });
  assert.equal(d.code, 104);
  assert.match(d.stderr, /environment: DOCKER_HOST: value 'localhost:2375': expected a Docker endpoint like unix:\/\//);
});

test('no command prints the list and exits 2; an unknown command exits 2', async () => {
  const r = await cli([]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /usage: headroom <command>/);
  assert.equal((await cli(['fly'])).code, 2);
  assert.equal((await cli(['--help'])).code, 0);
});

test('up and drill make their driver from the same environment options', async () => {
  const { driverOptions } = await import('./cluster-command');
  const { optionsFromEnv, silentLogger } = await import('../common');
  const env = optionsFromEnv({
    HEADROOM_BASE_IMAGE: 'node:20-slim',
    HEADROOM_HEALTH_TIMEOUT_S: '45',
    DOCKER_HOST: 'unix:///run/docker.sock',
  });
  assert.deepEqual(driverOptions(env, silentLogger), {
    logger: silentLogger,
    baseImage: 'node:20-slim',
    healthTimeoutMs: 45_000,
    dockerHost: 'unix:///run/docker.sock',
  });
  const drill = await cli(['drill', 'scenarios/smoke.ts'], { HEADROOM_HEALTH_TIMEOUT_S: '-1' });
  assert.equal(drill.code, 104);
  assert.match(drill.stderr, /environment: HEADROOM_HEALTH_TIMEOUT_S: value '-1'/);
});
