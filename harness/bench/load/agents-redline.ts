// `make bench`, section 6: the redline a search finds through 2 local generator agents against the in-process
// engine's, both at the same time on two identical reference replicas (Docker), with a CPU-share guard (it grows
// with the rate whoever sends it, so each redline is fitted with a 95% interval). Printed: both redlines, their
// intervals, the ratio; the target is each within the other's interval, or 5% apart.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createDriver } from '../../cluster';
import { loadClusterFile } from '../../config';
import type { RedlineResult } from '../../results';
import { runScenario } from '../../run';

const root = path.resolve(__dirname, '..', '..', '..');

/** One small replica whose feed request costs 6 ms of CPU, on `ports` (the search never learns either). */
const clusterYaml = (
  name: string,
  ports: string,
) => `# make bench, agents against in-process (harness/bench/load/agents-redline.ts)
name: ${name}
driver: docker
ports: ${ports}
host: 127.0.0.1
allowTargets: []
service:
  env: { FEED_CPU_MS: "6", LIKE_CPU_MS: "0.5", BACKEND_WAIT_MS: "0", ERROR_RATE: "0" }
serverTypes:
  small: { cpus: 0.25, memoryMb: 256, workers: 1, costPerHour: 0.0104 }
regions:
  - name: east
    dcs:
      - name: dc1
        demand: 100
        pools: { small: 1 }
`;

/** HTTP feed only, a redline search limited by the CPU share; no latency guard (p99 moves with the neighbours). */
const scenario = (name: string, cluster: string) => ({
  name,
  cluster,
  mix: {
    endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed?user={{user}}' }],
    params: { user: { kind: 'uniform', min: 1, max: 1000 } },
  },
  baselineRps: 10,
  guards: { cpu_share: ['avg<0.6'], http_req_failed: ['rate<0.05'] },
  safety: { maxErrorRate: 0.5, maxTotalRps: 600 },
  settle: '1s',
  measure: '4s',
  drills: [
    { kind: 'redline', name: 'redline', serverTypes: 'all', startRps: 8, maxRps: 80, rampFactor: 1.5, resolution: 0.1 },
  ],
});

const f = (v: number | null | undefined, d = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d);
const shown = (r: RedlineResult | undefined) =>
  r ? `${f(r.rpsPerReplica)} [${r.interval?.map((x) => f(x)).join(', ') ?? '-'}] (${r.estimateMethod ?? '-'})` : '-';
const within = (v: number, r: RedlineResult) => !!r.interval && v >= r.interval[0] && v <= r.interval[1];

export interface AgentsRedlineOptions {
  say: (line: string) => void;
  /** The in-process side's replica on firstPort..+49, the agents' side's on +50..+99 (default 26100). */
  firstPort?: number;
  /** The two local agents' ports (default 26010, 26011). */
  agentPorts?: [number, number];
}

/** Both searches side by side; the verdict line (`meets` or `MISSES` the target). */
export async function agentsRedlineBench(opts: AgentsRedlineOptions): Promise<string[]> {
  const { say } = opts;
  const base = opts.firstPort ?? 26100;
  execFileSync('bash', [path.join(root, 'harness', 'cluster', 'ensure-docker.sh')], { stdio: 'inherit' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-agents-redline-'));
  const sides = [
    { name: 'in-process', cluster: 'bench-redline-one', ports: `${base}-${base + 49}` },
    { name: '2 agents', cluster: 'bench-redline-agents', ports: `${base + 50}-${base + 99}` },
  ].map((s) => {
    const clusterFile = path.join(dir, `${s.cluster}.yaml`);
    const scenarioFile = path.join(dir, `${s.cluster}.js`);
    fs.writeFileSync(clusterFile, clusterYaml(s.cluster, s.ports));
    fs.writeFileSync(
      scenarioFile,
      `exports.default = ${JSON.stringify(scenario(s.cluster, `./${s.cluster}.yaml`), null, 2)};\n`,
    );
    return { ...s, clusterFile, scenarioFile };
  });
  say(
    '\n6. redline through 2 local agents against the in-process engine: the same search (CPU guard avg<0.6, settle 1 s, measure 4 s, ' +
      'resolution 10%) at the same time on two reference replicas of 0.25 CPU and 6 ms per request',
  );
  const logs: string[][] = sides.map(() => []);
  try {
    const runs = await Promise.all(
      sides.map((s, i) => {
        const note = (m: string) => logs[i].push(m);
        // The step lines too: a side without a redline shows why.
        const stderr = new PassThrough();
        stderr.setEncoding('utf8').on('data', (d: string) => logs[i].push(...d.trimEnd().split('\n')));
        return runScenario({
          scenarioFile: s.scenarioFile,
          outDir: path.join(dir, `run-${s.cluster}`),
          cwd: root,
          stdout: new PassThrough(),
          stderr,
          logger: { info: note, warn: note, debug() {} },
          tty: false,
          ...(i === 1 ? { agents: { local: 2, spawn: { ports: opts.agentPorts ?? [26010, 26011] } } } : {}),
        });
      }),
    );
    const [a, b] = runs.map((r) => r.summary?.redlines[0]);
    runs.forEach((r, i) =>
      say(
        `   ${sides[i].name.padEnd(10)} exit ${r.exitCode}: redline ${shown(runs[i].summary?.redlines[0])} req/s per replica`,
      ),
    );
    const x = a?.rpsPerReplica ?? null;
    const y = b?.rpsPerReplica ?? null;
    if (!a || !b || x === null || y === null) {
      for (const [i, l] of logs.entries()) say(`   ${sides[i].name} log:\n${l.map((m) => `     ${m}`).join('\n')}`);
      return [
        'redline with 2 agents against in-process: no redline on one side, MISSES the target (see the log above)',
      ];
    }
    const ratio = y / x;
    const ok = within(y, a) || within(x, b) || Math.abs(ratio - 1) <= 0.05;
    say(
      `   ratio agents / in-process ${f(ratio, 3)} (${f(Math.abs(ratio - 1) * 100, 1)}% apart; target: each within the other's interval, or 5% apart)`,
    );
    return [
      `redline with 2 agents ${f(y)} vs in-process ${f(x)} req/s per replica: ratio ${f(ratio, 3)} ${ok ? 'meets' : 'MISSES'} within the interval or 5%`,
    ];
  } finally {
    for (const s of sides) await createDriver(await loadClusterFile(s.clusterFile)).down();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Alone: `node --require ts-node/register harness/bench/load/agents-redline.ts` (needs Docker; about 2 minutes).
if (require.main === module) {
  agentsRedlineBench({ say: (l) => process.stdout.write(`${l}\n`) }).then(
    (verdicts) => {
      process.stdout.write(`\nsummary:\n${verdicts.map((v) => `  ${v}`).join('\n')}\n`);
      if (verdicts.some((v) => v.includes('MISSES'))) process.exitCode = 1;
    },
    (err) => {
      process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
