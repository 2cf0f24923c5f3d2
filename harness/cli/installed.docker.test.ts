// The CLI a user installs: `npm pack` of this checkout installed into an empty folder (harness/testing/
// installed-cli.ts), every command run as node_modules/.bin/headroom from a folder outside the checkout:
// the help of each command, up/status/down of a one-replica reference cluster, a drill from 2 local agents,
// a standalone agent, load from 2 agents, export k6, report, plan, compare and history; on a host HAProxy, the watchdog of a
// SIGKILLed drill and edge restore.
// Ports 14500-14549; clusters pk-installed and pk-installed-drill.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { containersWithLabel } from '../cluster/testing/test-kit';
import { haproxyConfig, type EdgeSpec } from '../edge/config';
import { countingServers, hostHaproxy } from '../edge/testing/backends';
import { installedCli } from '../testing/installed-cli';
import { commandNames } from './main';

const checkout = path.resolve(__dirname, '..', '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'pk-installed-'));
const env = { HEADROOM_LIVE: '0' };
let cli: Awaited<ReturnType<typeof installedCli>>;

/** One DC, one small reference replica: what the installed package builds and starts. */
const cluster = (
  name: string,
  ports: string,
) => `# One DC, one small reference replica: what the installed package builds and starts.
name: ${name}
driver: docker
ports: ${ports}
host: 127.0.0.1
service:
  env: { FEED_CPU_MS: "1", LIKE_CPU_MS: "0.5", BACKEND_WAIT_MS: "0", ERROR_RATE: "0" }
serverTypes:
  small: { cpus: 0.25, memoryMb: 256, workers: 1, costPerHour: 0.01 }
regions:
  - name: east
    dcs:
      - name: dc1
        demand: 100
        pools: { small: 1 }
`;

// A scenario as a user outside the checkout writes it: TypeScript, no import of headroom's sources. Its gRPC
// endpoint reads the feed.proto the package ships.
const scenario = (feedProto: string) => `const hold = { kind: 'hold' as const, name: 'hold', steps: 1 };
export default {
  name: 'pk-installed',
  cluster: './pk-installed-drill.yaml',
  mix: {
    endpoints: [
      { name: 'feed', weight: 3, protocol: 'http', path: '/feed?user={{user}}' },
      {
        name: 'feed-grpc',
        weight: 1,
        protocol: 'grpc',
        proto: ${JSON.stringify(feedProto)},
        service: 'headroom.feed.v1.Feed',
        method: 'GetFeed',
        message: { user: '{{user}}', limit: 5 },
      },
    ],
    params: { user: { kind: 'uniform', min: 1, max: 1000 } },
  },
  baselineRps: 20,
  guards: { http_req_failed: ['rate<0.5'] },
  safety: { maxErrorRate: 0.9, maxTotalRps: 200 },
  settle: '500ms',
  measure: '1s',
  drills: [hold],
};
`;

before(
  async () => {
    cli = await installedCli();
    // up/status/down and the drill run at the same time, each on a cluster of its own.
    writeFileSync(path.join(work, 'pk-installed.yaml'), cluster('pk-installed', '14510-14529'));
    writeFileSync(path.join(work, 'pk-installed-drill.yaml'), cluster('pk-installed-drill', '14500-14509'));
    writeFileSync(
      path.join(work, 'hold.ts'),
      scenario(path.join(cli.packageDir, 'clusters', 'reference', 'feed.proto')),
    );
  },
  { timeout: 15 * 60_000 },
);

after(async () => {
  if (cli)
    await Promise.all(
      ['pk-installed.yaml', 'pk-installed-drill.yaml'].map((f) => cli.run(['down', f, '--force'], { cwd: work, env })),
    );
  rmSync(work, { recursive: true, force: true });
});

const headroom = (args: string[], timeoutMs?: number) => cli.run(args, { cwd: work, env, timeoutMs });
const show = (r: { code: number | null; stdout: string; stderr: string }) =>
  `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

// Kraken's mode on a host HAProxy: a static cluster of two servers of this test behind it.
const edgeCluster = `name: pk-installed-edge
driver: static
services:
  web:
    ports: [http]
    health: { http: /healthz }
serverTypes:
  small: { cpus: 0.25, memoryMb: 256 }
regions:
  - name: r
    dcs:
      - name: a
        demand: 1
        pools: { small: [{ http: "http://127.0.0.1:14542", grpc: "127.0.0.1:14544" }] }
      - name: b
        demand: 1
        pools: { small: [{ http: "http://127.0.0.1:14543", grpc: "127.0.0.1:14545" }] }
edge:
  runtime: tcp://127.0.0.1:14540
  maxShareChange: 0.5
  watchdogSeconds: 1
  servers:
    - { backend: be_all, server: a-0, dc: a, serverType: small }
    - { backend: be_all, server: b-0, dc: b, serverType: small }
`;
const edgeDrain = `export default {
  name: 'pk-installed-edge',
  cluster: './pk-installed-edge.yaml',
  mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed' }] },
  baselineRps: 10,
  guards: { http_req_failed: ['rate<0.5'] },
  safety: { maxErrorRate: 0.9, maxTotalRps: 100 },
  drills: [{ kind: 'drain', name: 'to-a', target: { dc: 'a' }, totalRps: 10, steps: 3, settle: '1s', measure: '20s' }],
};
`;

// The commands run side by side, each on files, a cluster or ports of its own.
describe('the installed CLI', { concurrency: true }, () => {
  test('the package holds the compiled CLI and the files it reads at run time, and no TypeScript source', (t) => {
    const { installed, buildMs, packMs, installMs } = cli.times;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    t.diagnostic(
      `${cli.dir}: build ${s(buildMs)}, pack ${s(packMs)}, ${installed ? `install ${s(installMs)}` : 'install cached'}`,
    );
    for (const f of [
      'dist/harness/cli/bin.js',
      'dist/harness/edge/watchdog-main.js',
      'harness/agent/agent.proto',
      'harness/report/page/report.js',
      'harness/report/page/report.css',
      'harness/cluster/ensure-docker.sh',
      'harness/edge/ensure-haproxy.sh',
      'clusters/reference/server.js',
      'clusters/reference/feed.proto',
      'clusters/reference/deps.json',
      'tsconfig.json',
    ])
      assert.ok(existsSync(path.join(cli.packageDir, f)), `${f} in the package`);
    assert.ok(!existsSync(path.join(cli.packageDir, 'harness', 'cli', 'main.ts')), 'sources stay out');
  });

  test('--help of headroom and of every command: exit 0 and its usage line', async () => {
    const top = await headroom(['--help']);
    assert.equal(top.code, 0, show(top));
    for (const name of commandNames) assert.match(top.stdout, new RegExp(`^ {2}${name} `, 'm'));
    const helps = await Promise.all(commandNames.map((name) => headroom([name, '--help'])));
    helps.forEach((r, i) => {
      assert.equal(r.code, 0, `${commandNames[i]} --help\n${show(r)}`);
      assert.match(r.stdout, new RegExp(`^usage: headroom ${commandNames[i]}`), commandNames[i]);
    });
  });

  test('up, status and down of a one-replica reference cluster (the image built from the package)', async () => {
    const up = await headroom(['up', 'pk-installed.yaml'], 300_000);
    assert.equal(up.code, 0, show(up));
    const status = await headroom(['status', 'pk-installed.yaml', '--json']);
    assert.equal(status.code, 0, show(status));
    const { replicas } = JSON.parse(status.stdout) as { replicas: { name: string; http: string; state: string }[] };
    assert.deepEqual(
      replicas.map((r) => [r.name, r.state]),
      [['pk-installed-dc1-small-1', 'running']],
    );
    assert.equal(await (await fetch(`${replicas[0].http}/healthz`)).text(), 'ok');
    const down = await headroom(['down', 'pk-installed.yaml']);
    assert.equal(down.code, 0, show(down));
    assert.deepEqual(await containersWithLabel('headroom.cluster=pk-installed'), []);
  });

  test('drill --agents 2: two local agent processes send HTTP and gRPC; the run, its points and its report are written, report writes it again', async () => {
    const r = await headroom(
      ['drill', 'hold.ts', '--agents', '2', '--out', 'run-hold', '--out', 'json=points.ndjson'],
      300_000,
    );
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, /load from 2 generator agents/);
    const runDir = path.join(work, 'run-hold');
    const steps = readFileSync(path.join(runDir, 'steps.ndjson'), 'utf8').trim().split('\n');
    assert.equal(steps.length, 1);
    const points = readFileSync(path.join(work, 'points.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const sent = (metric: string) => points.filter((p) => p.type === 'Point' && p.metric === metric).length;
    assert.ok(sent('http_reqs') > 0, 'HTTP requests in the points');
    assert.ok(sent('grpc_reqs') > 0, 'gRPC requests in the points');
    const html = readFileSync(path.join(runDir, 'index.html'), 'utf8');
    assert.ok(html.includes(readFileSync(path.join(cli.packageDir, 'harness/report/page/report.css'), 'utf8').trim()));
    assert.deepEqual(await containersWithLabel('headroom.cluster=pk-installed-drill'), []);
    // `headroom report` writes the run's page again from its files.
    const again = await headroom(['report', 'run-hold']);
    assert.equal(again.code, 0, show(again));
  });

  test('agent: listens, prints its address, ends on SIGTERM', async () => {
    const child = cli.start(['agent', '--listen', '127.0.0.1:14530'], { cwd: work, env });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const line = await Promise.race([
        new Promise<string>((resolve) =>
          child.stdout!.on('data', () => out.includes('\n') && resolve(out.split('\n')[0])),
        ),
        exited.then((code) => assert.fail(`agent exited ${code}: ${err}`)),
      ]);
      assert.equal(JSON.parse(line).listening, '127.0.0.1:14530');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, err);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  test('load: from 2 agents, ramped, k6 JSON points and summary equal to what the server answered', async () => {
    let served = 0;
    const server = http.createServer((_req, res) => {
      served++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(14531, '127.0.0.1', resolve));
    try {
      const r = await headroom([
        'load',
        'http://127.0.0.1:14531/',
        '--agents',
        '2',
        '--rate',
        '20',
        '--stage',
        '1s:40',
        '--stage',
        '1s:40',
        '--json',
        '--out',
        'json=load.ndjson',
      ]);
      assert.equal(r.code, 0, show(r));
      assert.match(r.stderr, /load from 2 generator agents/);
      const count = JSON.parse(r.stdout).metrics.http_reqs.values.count;
      const points = readFileSync(path.join(work, 'load.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const inPoints = points.filter((p) => p.type === 'Point' && p.metric === 'http_reqs').length;
      assert.ok(
        count > 0 && count === served && inPoints === served,
        `summary ${count}, points ${inPoints}, served ${served}`,
      );
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test('export k6: the script, the TestRun, kubectl.sh and the proto of the gRPC endpoint', async () => {
    const r = await headroom(['export', 'k6', 'hold.ts', '--out', 'k6']);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(readdirSync(path.join(work, 'k6')).sort(), [
      'feed.proto',
      'kubectl.sh',
      'script.ts',
      'testrun.yaml',
    ]);
  });

  test('report, plan, compare and history on recorded runs', async () => {
    const fixtures = path.join(checkout, 'harness', 'report', 'fixtures');
    for (const run of ['run-3dc', 'run-3dc-costlier'])
      cpSync(path.join(fixtures, run), path.join(work, run), { recursive: true });
    mkdirSync(path.join(work, 'past'));
    cpSync(path.join(fixtures, 'history.ndjson'), path.join(work, 'past', 'history.ndjson'));
    const report = await headroom(['report', 'run-3dc']);
    assert.equal(report.code, 0, show(report));
    const html = readFileSync(path.join(work, 'run-3dc', 'index.html'), 'utf8');
    assert.match(html, /Chart\.js v4/);
    assert.ok(
      html.includes(readFileSync(path.join(cli.packageDir, 'harness/report/page/report.js'), 'utf8').slice(0, 200)),
    );

    const forecast = path.join(checkout, 'harness', 'capacity', 'fixtures', 'forecast-3dc.csv');
    const plan = await headroom(['plan', '--capacity', 'run-3dc', '--forecast', forecast, '--json']);
    assert.equal(plan.code, 0, show(plan));
    const rows = JSON.parse(plan.stdout).plan as { dc: string; serverType: string }[];
    assert.deepEqual([...new Set(rows.map((p) => p.dc))].sort(), ['euw1', 'use1', 'use2']);

    const compare = await headroom(['compare', 'run-3dc', 'run-3dc-costlier']);
    assert.equal(compare.code, 99, show(compare));
    assert.match(compare.stderr, /^headroom: regressed: gen1, gen2$/m);

    const history = await headroom(['history', 'past', '--json']);
    assert.equal(history.code, 0, show(history));
    assert.ok(JSON.parse(history.stdout));
  });

  test('edge: the watchdog of a SIGKILLed drill puts the HAProxy weights back, then edge restore does', async () => {
    const runtime = { host: '127.0.0.1', port: 14540 };
    const servers = [
      { backend: 'be_all', server: 'a-0' },
      { backend: 'be_all', server: 'b-0' },
    ];
    const spec: EdgeSpec = {
      file: 'pk-installed-edge',
      runtime,
      threads: 1,
      frontends: [
        {
          name: 'all',
          host: '127.0.0.1',
          port: 14541,
          servers: [
            { ...servers[0], dc: 'a', serverType: 'small', address: '127.0.0.1', port: 14542 },
            { ...servers[1], dc: 'b', serverType: 'small', address: '127.0.0.1', port: 14543 },
          ],
        },
      ],
    };
    writeFileSync(path.join(work, 'pk-installed-edge.yaml'), edgeCluster);
    writeFileSync(path.join(work, 'edge-drain.ts'), edgeDrain);
    const backends = await countingServers([14542, 14543]);
    const edge = await hostHaproxy(haproxyConfig(spec, { dcs: { a: 0.25, b: 0.75 } }), runtime);
    const drill = cli.start(['drill', 'edge-drain.ts', '--out', 'run-edge'], { cwd: work, env });
    let log = '';
    drill.stderr!.on('data', (d) => (log += d));
    try {
      const weights = async () => (await edge.client.getWeights(servers)).map((w) => w.weight);
      const found = await weights();
      // The drain moves the share toward a: once HAProxy's weights changed, the harness is killed outright.
      for (let i = 0; ; i++) {
        if (String(await weights()) !== String(found)) break;
        assert.ok(i < 300 && drill.exitCode === null, `the weights never moved\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      drill.kill('SIGKILL');
      const report = path.join(work, 'run-edge', 'edge-watchdog.json');
      for (let i = 0; !existsSync(report); i++) {
        assert.ok(i < 100, `no ${report}: ${readWatchdogLog()}\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(await weights(), found, readWatchdogLog());

      await edge.client.setWeights(servers.map((s) => ({ ...s, weight: 0 })));
      assert.deepEqual(await weights(), [0, 0]);
      const r = await headroom(['edge', 'restore', 'run-edge']);
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /restored \(2 servers\)/);
      assert.deepEqual(await weights(), found);
    } finally {
      if (drill.exitCode === null && drill.signalCode === null) drill.kill('SIGKILL');
      await edge.stop();
      await backends.close();
    }
  });
});

function readWatchdogLog(): string {
  const file = path.join(work, 'run-edge', 'edge-watchdog.log');
  return existsSync(file) ? `edge-watchdog.log:\n${readFileSync(file, 'utf8')}` : 'no edge-watchdog.log';
}
