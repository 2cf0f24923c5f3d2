// DCs on their own Docker hosts, for real: two Docker daemons on this machine (the default one and
// the second one of testing/second-docker.sh) and two loopback addresses. A drill brings the cluster up
// (the image built on each daemon), kills dc b on the second daemon and brings it back; every replica runs
// on its DC's daemon and listens on its DC's address only; `status` lists those addresses; afterwards
// nothing of the cluster is left on either daemon. An image tier that only the default
// daemon holds is loaded onto the second one (no registry). Ports 10000-10119.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { silentLogger } from '../common';
import { loadClusterFile, parseClusterFile } from '../config';
import { runScenario } from '../run';
import type { StepRecord, Summary } from '../results';
import { createDriver } from './index';
import { docker, headroom, projectRoot } from './testing/test-kit';
import { NotRoot, secondDocker, type SecondDocker } from './testing/second-docker';

const fixtures = path.join(__dirname, 'fixtures');
const clusterFile = path.join(fixtures, 'multihost-2dc.yaml');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-multihost-'));
let second: SecondDocker;

/** Why the tests cannot run here (not root and no second daemon running), if so. */
let unavailable: string | undefined;

before(async () => {
  try {
    second = await secondDocker();
  } catch (err) {
    if (!(err instanceof NotRoot)) throw err;
    unavailable = err.message;
  }
});

after(async () => {
  // Whatever happened: the cluster is removed from both daemons, the second one stopped if we started it.
  try {
    if (second) await createDriver(await loadClusterFile(clusterFile)).down();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await second?.stop();
  }
});

const idsOn = async (run: (args: string[]) => Promise<string>, cluster = 'mh-test-2dc') =>
  (await run(['ps', '-aq', '--no-trunc', '--filter', `label=headroom.cluster=${cluster}`])).split('\n').filter(Boolean);

/** Whether something accepts TCP connections at host:port. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

test('two DCs on two Docker daemons and two addresses: a kill-mode DC loss on the second, the kept replicas, status, down', async (t) => {
  if (unavailable) return t.skip(unavailable);
  t.diagnostic(
    `second daemon ${second.dockerHost} (${second.startedHere ? 'started by this test' : 'already running'})`,
  );
  const spec = await loadClusterFile(clusterFile);

  // A short drill brings the cluster up (the image built on a daemon that lacks it), kills dc b on the
  // second daemon, a carries the load, then b comes back; --keep leaves the replicas for the checks below.
  const out = path.join(tmp, 'lose-b');
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (d) => (log += d));
  const result = await runScenario({
    scenarioFile: path.join(fixtures, 'multihost-lose-b.ts'),
    outDir: out,
    cwd: projectRoot,
    stdout: new PassThrough(),
    stderr,
    logger: silentLogger,
    tty: false,
    keep: true,
  });
  assert.equal(result.exitCode, 0, log);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
  const steps = fs
    .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
  const f = summary.failovers[0];
  assert.deepEqual([f.lostDc, f.mode, f.survivors.map((s) => s.dc)], ['b', 'kill', ['a']]);
  assert.ok(f.survivors[0].loadRps > 15, JSON.stringify(f));
  const lost = steps.find((s) => s.drill === 'lose-b')!;
  assert.deepEqual(
    lost.replicas.filter((r) => !r.serving).map((r) => r.replica),
    ['mh-test-2dc-b-small-1'],
  );
  const back = steps.find((s) => s.drill === 'after')!;
  assert.ok(
    back.replicas.every((r) => r.serving && r.rps > 5),
    JSON.stringify(back.replicas),
  );

  // Each DC's replica on its own daemon, with its DC's address.
  const onDefault = await idsOn(docker);
  const onSecond = await idsOn(second.docker);
  assert.equal(onDefault.length, 1, 'dc a on the default daemon');
  assert.equal(onSecond.length, 1, 'dc b on the second daemon');
  const inspectOn = async (run: (args: string[]) => Promise<string>, id: string) =>
    (
      JSON.parse(await run(['inspect', id])) as {
        Name: string;
        Config: { Env: string[]; Labels: Record<string, string>; Image: string };
      }[]
    )[0];
  const a = await inspectOn(docker, onDefault[0]);
  const b = await inspectOn(second.docker, onSecond[0]);
  assert.equal(a.Name, '/mh-test-2dc-a-small-1');
  assert.equal(b.Name, '/mh-test-2dc-b-small-1');
  assert.ok(a.Config.Env.includes('HOST=127.0.1.1'), a.Config.Env.join(' '));
  assert.ok(b.Config.Env.includes('HOST=127.0.2.1'), b.Config.Env.join(' '));
  const [ra, rb] = spec.replicas;
  assert.equal(b.Config.Labels['headroom.http'], `127.0.2.1:${rb.httpPort}`);
  // The same content-tagged reference image, built on each daemon.
  assert.match(b.Config.Image, /^headroom-reference:[0-9a-f]{12}$/);
  assert.equal(a.Config.Image, b.Config.Image);
  assert.notEqual((await second.docker(['image', 'inspect', '--format', '{{.Id}}', b.Config.Image])).trim(), '');

  // Each replica answers at its DC's address, and only there (not on 127.0.0.1).
  for (const [host, r] of [
    ['127.0.1.1', ra],
    ['127.0.2.1', rb],
  ] as const) {
    const res = await request(`http://${host}:${r.httpPort}/healthz`);
    await res.body.text();
    assert.equal(res.statusCode, 200, `${r.name} at ${host}`);
    assert.equal(await accepts('127.0.0.1', r.httpPort), false, `${r.name} does not listen on 127.0.0.1`);
  }

  // status: the replicas with their own addresses.
  const st = await headroom(['status', clusterFile, '--json']);
  assert.equal(st.code, 0, st.stderr);
  assert.deepEqual(
    (
      JSON.parse(st.stdout) as { replicas: { name: string; dc: string; http: string; grpc: string; state: string }[] }
    ).replicas.map((r) => [r.name, r.dc, r.http, r.grpc, r.state]),
    [
      ['mh-test-2dc-a-small-1', 'a', `http://127.0.1.1:${ra.httpPort}`, `127.0.1.1:${ra.grpcPort}`, 'running'],
      ['mh-test-2dc-b-small-1', 'b', `http://127.0.2.1:${rb.httpPort}`, `127.0.2.1:${rb.grpcPort}`, 'running'],
    ],
  );

  // down: nothing of the cluster on either daemon (--force: the kept run's owner is this live process).
  const down = await headroom(['down', '--force', clusterFile]);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(down.stdout, 'cluster mh-test-2dc: removed 2 containers\n');
  assert.deepEqual(await idsOn(docker), []);
  assert.deepEqual(await idsOn(second.docker), []);
});

test("an image only the default daemon holds is loaded onto the DC daemon that lacks it; templates take each DC's address", async (t) => {
  if (unavailable) return t.skip(unavailable);
  // A FROM-scratch busybox image, built on the default daemon only.
  const ctx = path.join(tmp, 'busybox');
  const fixture = path.join(__dirname, 'fixtures', 'busybox-httpd');
  if (!fs.existsSync('/bin/busybox'))
    execFileSync('bash', [path.join(fixture, 'ensure-busybox.sh')], { stdio: 'inherit' });
  fs.cpSync(fixture, ctx, { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(ctx, 'busybox'));
  const image = `mh-test-busybox:${process.pid}`;
  await docker(['build', '-q', '-t', image, ctx]);
  const removeImage = async () => {
    await docker(['rmi', '-f', image]).catch(() => '');
    await second.docker(['rmi', '-f', image]).catch(() => '');
  };
  t.after(removeImage);
  await second.docker(['rmi', '-f', image]).catch(() => '');

  const spec = parseClusterFile(
    `
name: mh-test-image
ports: 10100-10119
services:
  web:
    image: ${image}
    command: [httpd, -f, -p, "{{host}}:{{port.http}}", -h, /www]
    health: { http: /index.html }
    startTimeout: 20s
    stopSignal: SIGKILL
serverTypes:
  tiny: { cpus: 0.25, memoryMb: 64 }
regions:
  - name: r
    dcs:
      - { name: a, demand: 1, address: 127.0.1.1, pools: { tiny: 1 } }
      - { name: b, demand: 1, address: 127.0.2.1, dockerHost: "${second.dockerHost}", pools: { tiny: 1 } }
`,
    'mh-test-image.yaml',
  );
  const driver = createDriver(spec);
  try {
    const cluster = await driver.up();
    assert.notEqual(
      (await second.docker(['image', 'inspect', '--format', '{{.Id}}', image])).trim(),
      '',
      'loaded onto the second daemon',
    );
    assert.equal(
      (await second.docker(['image', 'inspect', '--format', '{{.Id}}', image])).trim(),
      (await docker(['image', 'inspect', '--format', '{{.Id}}', image])).trim(),
      'the same image on both',
    );
    for (const r of cluster.replicas) {
      const res = await request(`${r.http}/index.html`);
      await res.body.text();
      assert.equal(res.statusCode, 200, r.http);
      assert.equal(await accepts('127.0.0.1', r.httpPort), false, `${r.name} listens on ${r.host} only`);
    }
    assert.deepEqual(
      cluster.replicas.map((r) => r.http),
      ['http://127.0.1.1:10100', 'http://127.0.2.1:10102'],
    );
    assert.equal(await driver.down(), 2);
  } finally {
    await driver.down();
  }
  assert.deepEqual(await idsOn(docker, 'mh-test-image'), []);
  assert.deepEqual(await idsOn(second.docker, 'mh-test-image'), []);
});
