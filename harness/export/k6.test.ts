// The k6 export: steps laid out exactly from the traffic plan, the script type-checked by the real
// TypeScript compiler against @types/k6, and the TestRun parsed as YAML with k6-operator's fields.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { test } from 'node:test';
import ts from 'typescript';
import { parse } from 'yaml';
import { ConfigError } from '../common';
import { checkScenarioAgainstCluster, loadClusterFile, loadScenario, validateScenario } from '../config';
import { drainShares, targetDemandShare } from '../drill';
import { exportK6, exportSteps } from '.';

const root = path.resolve(__dirname, '..', '..');
const load = async () => {
  const scenario = await loadScenario(path.join(root, 'scenarios', 'capacity-drill.ts'));
  const cluster = await loadClusterFile(scenario.clusterFile);
  checkScenarioAgainstCluster(scenario, cluster);
  return { scenario, cluster };
};

/** Type-checks a script with the compiler API and @types/k6 only; returns every diagnostic as text. */
function typeCheck(dir: string, file: string): string[] {
  const typeRoots = path.join(root, 'node_modules', '@types');
  const program = ts.createProgram([path.join(dir, file)], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2020.d.ts'],
    // The script lives in a temp dir with no node_modules above it: k6 and its modules resolve through typeRoots only.
    types: ['k6'],
    typeRoots: [typeRoots],
    noUnusedLocals: true,
    noImplicitReturns: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) => `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}

test('drain, hold and DC loss become sequential constant-arrival-rate steps with the drain shares of the traffic plan', async () => {
  const { scenario, cluster } = await load();
  const plan = exportSteps(scenario, cluster);
  const drain = plan.steps.filter((s) => s.drill === 'drain-use1');
  const shares = drainShares(targetDemandShare(cluster, { kind: 'dc', name: 'use1' }), 5);
  assert.equal(drain.length, 5);
  drain.forEach((s, i) => {
    const toUse1 = s.targets.filter((t) => t.dc === 'use1').reduce((a, t) => a + t.share, 0);
    assert.ok(Math.abs(toUse1 - shares[i]) < 1e-5, `step ${s.name}: use1 gets ${toUse1}, plan ${shares[i]}`);
    assert.equal(s.rps, 400);
    assert.equal(s.durationMs, 9000);
  });
  const lose = plan.steps.filter((s) => s.drill === 'lose-each-dc');
  assert.deepEqual(
    lose.map((s) => s.targets.some((t) => t.dc === ['use1', 'usw2', 'euw1'][lose.indexOf(s)])),
    [false, false, false],
  );
  // use1 lost: its 45% goes 60/40 to usw2/euw1 by the cluster's failover map.
  const usw2 = lose[0].targets.filter((t) => t.dc === 'usw2').reduce((a, t) => a + t.share, 0);
  assert.ok(Math.abs(usw2 - (0.3 + 0.45 * 0.6)) < 1e-5);
  for (let i = 1; i < plan.steps.length; i++)
    assert.equal(plan.steps[i].startMs, plan.steps[i - 1].startMs + plan.steps[i - 1].durationMs);
  assert.ok(
    plan.warnings.some((w) => w.includes("'redline' left out") && w.includes('closed loop')),
    plan.warnings.join('\n'),
  );
});

test('a redline drill asked for by name is refused with a ConfigError naming the drill', async () => {
  const { scenario, cluster } = await load();
  assert.throws(
    () => exportK6(scenario, { cluster, drill: 'redline' }),
    (e: unknown) => e instanceof ConfigError && /drills\[0\]/.test(e.message) && /closed loop/.test(e.message),
  );
  assert.throws(
    () => exportK6(scenario, { cluster, drill: 'nope' }),
    (e: unknown) => e instanceof ConfigError && /'nope'/.test(e.message),
  );
});

test('a sweep exports its grid per pool; a guard k6 cannot measure is left out and said', async () => {
  const { scenario, cluster } = await load();
  const s = validateScenario(
    {
      name: 'sweep',
      cluster: scenario.clusterFile,
      mix: {
        endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed?user={{user}}' }],
        params: { user: { kind: 'uniform', min: 1, max: 9 } },
      },
      baselineRps: 10,
      guards: { http_req_duration: ['p(99)<250'], cpu_share: ['avg<0.9'] },
      safety: { maxErrorRate: 0.5, maxTotalRps: 600 },
      drills: [
        {
          kind: 'sweep',
          name: 'grid',
          pool: 'use1/small',
          from: 50,
          to: 60,
          spacing: 0.1,
          settle: '1s',
          measure: '2s',
        },
      ],
    },
    scenario.file,
  );
  const out = exportK6(s, { cluster });
  assert.deepEqual(
    out.steps.map((x) => x.rps),
    [100, 110, 120],
  );
  assert.ok(out.steps.every((x) => x.targets.every((t) => t.pool === 'use1/small')));
  assert.ok(out.warnings.some((w) => w.includes("'cpu_share' left out")));
  assert.ok(out.script.includes('"http_req_duration{step:grid-2,pool:use1/small}"'));
});

test('the generated script type-checks against @types/k6 and the TestRun carries k6-operator fields', async (t) => {
  const { scenario, cluster } = await load();
  const out = exportK6(scenario, { cluster, parallelism: 4 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-k6-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, out.scriptFile), out.script);
  assert.deepEqual(typeCheck(dir, out.scriptFile), []);
  assert.match(out.script, /"executor": "constant-arrival-rate"/);
  assert.match(out.script, /"abortOnFail": true/);
  assert.match(
    out.script,
    /grpcClient\(t\.grpc\)\.invoke\("headroom\.feed\.v1\.Feed\/GetFeed", \{ "user": p\["user"\], "limit": 20 \}/,
  );
  const manifest = parse(out.testRun);
  assert.equal(manifest.apiVersion, 'k6.io/v1alpha1');
  assert.equal(manifest.kind, 'TestRun');
  assert.equal(manifest.metadata.name, 'headroom-capacity-drill');
  assert.equal(manifest.spec.parallelism, 4);
  assert.deepEqual(manifest.spec.script.configMap, { name: 'headroom-capacity-drill', file: 'script.ts' });
  assert.equal(manifest.spec.arguments, '--tag headroom_scenario=capacity-drill');
  assert.equal(
    out.configMapCommand.split('\n')[0],
    'kubectl create configmap headroom-capacity-drill --from-file=script.ts --from-file=feed.proto',
  );
});

test('the type-check fails on a broken script (the check can fail)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-k6-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(
    path.join(dir, 'bad.ts'),
    "import http from 'k6/http';\nexport function step0(): void { http.request('GET', 42); }\n",
  );
  assert.ok(typeCheck(dir, 'bad.ts').length > 0);
});

/** Runs the generated script in a VM with k6's modules recorded instead of sent, and a seeded Math.random. */
function runScript(script: string) {
  const js = ts.transpileModule(script, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  }).outputText;
  const calls: { kind: 'http' | 'grpc'; method: string; url: string; body: unknown; tags: Record<string, string> }[] =
    [];
  class Client {
    address = '';
    load() {}
    connect(address: string) {
      this.address = address;
    }
    invoke(method: string, body: unknown, params: { tags: Record<string, string> }) {
      calls.push({ kind: 'grpc', method, url: this.address, body, tags: params.tags });
    }
  }
  const modules: Record<string, unknown> = {
    'k6/http': {
      default: {
        request: (method: string, url: string, body: unknown, params: { tags: Record<string, string> }) =>
          calls.push({ kind: 'http', method, url, body, tags: params.tags }),
      },
    },
    'k6/net/grpc': { default: { Client } },
    'k6/execution': { default: { scenario: { iterationInTest: 0 } } },
  };
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const exports: Record<string, unknown> = {};
  const math = Object.create(Math, { random: { value: random } });
  vm.runInNewContext(js, { exports, require: (m: string) => modules[m], Math: math, String, JSON, Object });
  return {
    exports: exports as Record<string, () => void> & { options: { scenarios: Record<string, { exec: string }> } },
    calls,
  };
}

test('the generated script, run with k6 modules recorded: every scenario has its exec, requests follow the step shares and templates', async () => {
  const { scenario, cluster } = await load();
  const out = exportK6(scenario, { cluster, drill: 'drain-use1' });
  const { exports, calls } = runScript(out.script);
  for (const s of Object.values(exports.options.scenarios))
    assert.equal(typeof exports[s.exec], 'function', `no exec ${s.exec}`);
  const last = out.steps.length - 1;
  for (let i = 0; i < 4000; i++) exports[`step${last}`]();
  // The last drain step sends everything to use1; its pools by replica count (2 small, 1 large).
  assert.ok(calls.every((c) => c.tags.dc === 'use1'));
  const small = calls.filter((c) => c.tags.pool === 'use1/small').length / calls.length;
  assert.ok(Math.abs(small - 2 / 3) < 0.03, `use1/small got ${small}`);
  const http = calls.filter((c) => c.kind === 'http');
  const grpc = calls.filter((c) => c.kind === 'grpc');
  assert.ok(Math.abs(grpc.length / calls.length - 0.1) < 0.02, `grpc share ${grpc.length / calls.length}`);
  for (const c of http.filter((x) => x.tags.endpoint === 'feed'))
    assert.match(c.url, /^http:\/\/127\.0\.0\.1:\d+\/feed\?user=\d+$/);
  for (const c of http.filter((x) => x.tags.endpoint === 'like'))
    assert.match(String(c.body), /^\{"user":\d+,"post":\d+\}$/);
  for (const c of grpc) {
    assert.equal(c.method, 'headroom.feed.v1.Feed/GetFeed');
    assert.equal(typeof (c.body as { user: unknown }).user, 'number');
    assert.match(c.url, /^127\.0\.0\.1:\d+$/);
  }
  const replicas = new Set(calls.map((c) => c.tags.replica));
  assert.deepEqual(
    [...replicas].sort(),
    cluster.replicas
      .filter((r) => r.dc === 'use1')
      .map((r) => r.name)
      .sort(),
  );
});
