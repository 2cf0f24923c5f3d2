// The pipelines in docs/ci/ are parsed and checked here: their structure, the Kubernetes fields of the CronJob,
// bash syntax of every script, and that each command they run exists (a make target, a headroom command and flag).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandNames } from '../cli/main';
import { parse, parseAllDocuments } from 'yaml';
import { workflowJob, workflowScript } from './index';

const root = path.join(__dirname, '..', '..');
const ci = path.join(root, 'docs', 'ci');
const read = (f: string) => readFileSync(path.join(ci, f), 'utf8');
type Y = Record<string, any>; // parsed YAML, checked field by field

// Flags and commands the pipelines use that the CLI gains in the next round (issue 14's wiring). Empty these lists
// when it lands; the test then holds the pipelines to the CLI as it is.
const PENDING_FLAGS: Record<string, string[]> = {};
const PENDING_COMMANDS: string[] = [];

const makeTargets = new Set(
  [...readFileSync(path.join(root, 'Makefile'), 'utf8').matchAll(/^([a-z][\w-]*):/gm)].map((m) => m[1]),
);
const registered = new Set(commandNames);

/** Problems with the commands of one script: unknown make targets, headroom commands or flags, missing scripts. */
function commandProblems(script: string, where: string): string[] {
  const problems: string[] = [];
  for (const m of script.matchAll(/\bmake((?: [a-z][\w-]*)+)/g)) {
    for (const target of m[1].trim().split(' '))
      if (!makeTargets.has(target)) problems.push(`${where}: make ${target}: no such target in the Makefile`);
  }
  for (const m of script.matchAll(/node harness\/cli\/headroom\.js (\w+)([^\n|;&]*)/g)) {
    const [, cmd, rest] = m;
    const file = path.join(root, 'harness', 'cli', `${cmd}.ts`);
    if (!registered.has(cmd) && !(PENDING_COMMANDS.includes(cmd) && existsSync(file))) {
      problems.push(`${where}: headroom ${cmd}: not a command of harness/cli/main.ts`);
      continue;
    }
    const usage = readFileSync(file, 'utf8');
    for (const flag of rest.match(/--[a-z][\w-]*/g) ?? []) {
      if (!usage.includes(`${flag} `) && !usage.includes(`${flag}]`) && !(PENDING_FLAGS[cmd] ?? []).includes(flag)) {
        problems.push(`${where}: headroom ${cmd} ${flag}: not in its usage`);
      }
    }
  }
  for (const m of script.matchAll(/\bbash (docs\/ci\/[\w.-]+\.sh)/g))
    if (!existsSync(path.join(root, m[1]))) problems.push(`${where}: ${m[1]}: missing`);
  return problems;
}

/** bash -n on a script: its syntax error, or null. */
function bashSyntax(script: string): string | null {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  return r.status === 0 ? null : r.stderr.trim();
}

const CRON = /^(\S+\s+){4}\S+$/;
function cronOk(expr: string): boolean {
  if (!CRON.test(expr.trim())) return false;
  const ranges = [
    [0, 59],
    [0, 23],
    [1, 31],
    [1, 12],
    [0, 7],
  ];
  return expr
    .trim()
    .split(/\s+/)
    .every((field, i) =>
      field.split(',').every((part) => {
        const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) return false;
        const nums = [m[2], m[3]].filter((x) => x !== undefined).map(Number);
        return nums.every((n) => n >= ranges[i][0] && n <= ranges[i][1]);
      }),
    );
}

test('the checks themselves catch a wrong command, flag, target, cron and bash', () => {
  assert.deepEqual(
    commandProblems(
      'make instal\nnode harness/cli/headroom.js drill x.ts --jnit f\nnode harness/cli/headroom.js frobnicate',
      'x',
    ),
    [
      'x: make instal: no such target in the Makefile',
      'x: headroom drill --jnit: not in its usage',
      'x: headroom frobnicate: not a command of harness/cli/main.ts',
    ],
  );
  assert.deepEqual(
    commandProblems('make install docker\nnode harness/cli/headroom.js compare a b --max-drop 5% --json', 'x'),
    [],
  );
  assert.equal(cronOk('17 3 * * 1-5'), true);
  assert.equal(cronOk('61 3 * * *'), false);
  assert.equal(cronOk('@nightly'), false);
  assert.match(bashSyntax('if true; then echo')!, /syntax error/);
});

test('GitHub Actions: a pull-request gate and a scheduled full drill, reports kept with if: always(), exit 99 fails the job', () => {
  const wf = parse(read('github-actions.yml')) as Y;
  assert.ok('pull_request' in wf.on, 'on: pull_request');
  assert.ok(Array.isArray(wf.on.schedule) && wf.on.schedule.length > 0, 'on: schedule');
  for (const s of wf.on.schedule) assert.ok(cronOk(s.cron), `cron '${s.cron}'`);
  assert.deepEqual(Object.keys(wf.jobs), ['gate', 'scheduled']);
  assert.match(wf.jobs.gate.if, /pull_request/);
  assert.match(wf.jobs.scheduled.if, /schedule/);
  const problems: string[] = [];
  for (const [name, job] of Object.entries<Y>(wf.jobs)) {
    assert.ok(job['runs-on'], `${name}: runs-on`);
    const ids = new Set<string>();
    for (const [i, step] of job.steps.entries()) {
      const where = `jobs.${name}.steps[${i}]`;
      assert.equal(('run' in step ? 1 : 0) + ('uses' in step ? 1 : 0), 1, `${where}: exactly one of run and uses`);
      for (const ref of JSON.stringify(step).matchAll(/steps\.([\w-]+)\.outputs/g))
        assert.ok(ids.has(ref[1]), `${where}: refers to a later or unknown step ${ref[1]}`);
      if (step.id) ids.add(step.id);
      if (step.run) {
        assert.doesNotMatch(
          step.run,
          /\$\{\{/,
          `${where}: no \${{ }} inside run (put it in env), so the step runs locally the same`,
        );
        problems.push(...commandProblems(step.run, where));
        const syntax = bashSyntax(step.run);
        assert.equal(syntax, null, `${where}: ${syntax}`);
      }
    }
    const drill = job.steps.find((s: Y) => s.id === 'drill');
    assert.match(drill.run, /headroom\.js drill .*--junit reports\/junit\.xml/, `${name}: the drill writes JUnit`);
    assert.match(drill.run, /exit \$code/, `${name}: the drill's exit code (99) is the step's`);
    const upload = job.steps.find((s: Y) => String(s.uses).startsWith('actions/upload-artifact@'));
    assert.equal(upload?.if, 'always()', `${name}: the report is uploaded even when the drill failed`);
    assert.equal(upload.with.path, 'reports/');
    const junit = job.steps.find((s: Y) => String(s.uses).includes('junit'));
    assert.equal(junit?.if, 'always()');
  }
  assert.deepEqual(problems, []);
  const carry = wf.jobs.scheduled.steps.find((s: Y) => /history-branch\.sh push/.test(s.run ?? ''));
  assert.match(carry.if, /^always\(\)/, 'the history is carried after a failed (99) run too');
  assert.ok(
    wf.jobs.scheduled.steps.some((s: Y) => /history-branch\.sh pull/.test(s.run ?? '')),
    'the history is fetched before the drill',
  );
});

test('GitLab CI: a scheduled pipeline rule, artifacts when: always with the JUnit report, scripts that exist', () => {
  const gl = parse(read('gitlab-ci.yml')) as Y;
  const jobs = Object.entries<Y>(gl).filter(
    ([k, v]) => !k.startsWith('.') && typeof v === 'object' && !['variables', 'stages', 'default'].includes(k),
  );
  assert.deepEqual(
    jobs.map(([k]) => k),
    ['drill:gate', 'drill:scheduled'],
  );
  const resolved = (job: Y): Y => (job.extends ? { ...resolved(gl[job.extends]), ...job } : job);
  const problems: string[] = [];
  for (const [name, raw] of jobs) {
    const job = resolved(raw);
    assert.ok(gl.stages.includes(job.stage), `${name}: stage ${job.stage} is declared`);
    assert.equal(job.artifacts.when, 'always', `${name}: artifacts kept on failure`);
    assert.ok(job.artifacts.paths.includes('reports/'));
    assert.equal(job.artifacts.reports.junit, 'reports/junit.xml');
    for (const part of ['before_script', 'script', 'after_script'] as const) {
      const text = (job[part] as string[]).join('\n');
      problems.push(...commandProblems(text, `${name}.${part}`));
      assert.equal(bashSyntax(text), null, `${name}.${part}`);
    }
    assert.match(job.script.join('\n'), /--junit reports\/junit\.xml[\s\S]*exit \$code/);
  }
  assert.deepEqual(problems, []);
  const sched = resolved(gl['drill:scheduled']);
  assert.ok(
    sched.rules.some((r: Y) => r.if === '$CI_PIPELINE_SOURCE == "schedule"' && r.when === undefined),
    'runs on a schedule',
  );
  assert.ok(
    resolved(gl['drill:gate']).rules.some((r: Y) => r.if === '$CI_PIPELINE_SOURCE == "schedule"' && r.when === 'never'),
    'the gate stays out of scheduled pipelines',
  );
});

// Fields of the Kubernetes API (batch/v1 CronJobSpec and JobSpec, core/v1 PodSpec and Container, v1.35) that a
// CronJob may set here; a misspelt field is silently dropped by a lenient apply, so it is caught here.
const K8S = {
  cronJobSpec: [
    'schedule',
    'timeZone',
    'startingDeadlineSeconds',
    'concurrencyPolicy',
    'suspend',
    'jobTemplate',
    'successfulJobsHistoryLimit',
    'failedJobsHistoryLimit',
  ],
  jobSpec: [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'podFailurePolicy',
    'successPolicy',
    'backoffLimit',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
    'selector',
    'manualSelector',
    'template',
    'ttlSecondsAfterFinished',
    'completionMode',
    'suspend',
    'podReplacementPolicy',
    'managedBy',
  ],
  podSpec: [
    'volumes',
    'initContainers',
    'containers',
    'ephemeralContainers',
    'restartPolicy',
    'terminationGracePeriodSeconds',
    'activeDeadlineSeconds',
    'dnsPolicy',
    'nodeSelector',
    'serviceAccountName',
    'automountServiceAccountToken',
    'nodeName',
    'hostNetwork',
    'hostPID',
    'hostIPC',
    'shareProcessNamespace',
    'securityContext',
    'imagePullSecrets',
    'hostname',
    'subdomain',
    'affinity',
    'schedulerName',
    'tolerations',
    'hostAliases',
    'priorityClassName',
    'priority',
    'dnsConfig',
    'readinessGates',
    'runtimeClassName',
    'enableServiceLinks',
    'preemptionPolicy',
    'overhead',
    'topologySpreadConstraints',
    'setHostnameAsFQDN',
    'os',
    'hostUsers',
    'schedulingGates',
    'resourceClaims',
    'resources',
  ],
  container: [
    'name',
    'image',
    'command',
    'args',
    'workingDir',
    'ports',
    'envFrom',
    'env',
    'resources',
    'resizePolicy',
    'restartPolicy',
    'volumeMounts',
    'volumeDevices',
    'livenessProbe',
    'readinessProbe',
    'startupProbe',
    'lifecycle',
    'terminationMessagePath',
    'terminationMessagePolicy',
    'imagePullPolicy',
    'securityContext',
    'stdin',
    'stdinOnce',
    'tty',
  ],
};
const unknownKeys = (obj: Y, allowed: string[], where: string) =>
  Object.keys(obj)
    .filter((k) => !allowed.includes(k))
    .map((k) => `${where}.${k}`);

test('Kubernetes CronJob: batch/v1 fields only, a valid schedule, Forbid, no retries of a failed drill, Docker reachable', () => {
  const docs = parseAllDocuments(read('cronjob.yaml')).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJSON() as Y;
  });
  const cron = docs.find((d) => d.kind === 'CronJob')!;
  assert.equal(cron.apiVersion, 'batch/v1');
  assert.ok(
    cron.metadata.name && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(cron.metadata.name) && cron.metadata.name.length <= 52,
    'a DNS-1123 name of at most 52 characters',
  );
  const spec = cron.spec;
  const job = spec.jobTemplate.spec;
  const pod = job.template.spec;
  assert.deepEqual(
    [
      ...unknownKeys(spec, K8S.cronJobSpec, 'spec'),
      ...unknownKeys(job, K8S.jobSpec, 'spec.jobTemplate.spec'),
      ...unknownKeys(pod, K8S.podSpec, 'pod'),
      ...pod.containers.flatMap((c: Y, i: number) => unknownKeys(c, K8S.container, `pod.containers[${i}]`)),
    ],
    [],
  );
  assert.ok(cronOk(spec.schedule), `schedule '${spec.schedule}'`);
  assert.equal(spec.concurrencyPolicy, 'Forbid');
  assert.equal(job.backoffLimit, 0);
  assert.ok(['Never', 'OnFailure'].includes(pod.restartPolicy));
  assert.equal(pod.restartPolicy, 'Never', 'a failed drill is not restarted in place either');
  const [c] = pod.containers;
  assert.ok(c.name && c.image);
  const vols = new Set(pod.volumes.map((v: Y) => v.name));
  for (const m of c.volumeMounts) assert.ok(vols.has(m.name), `volumeMount ${m.name} has a volume`);
  const sock = pod.volumes.find((v: Y) => v.hostPath?.path === '/var/run/docker.sock');
  const dockerHost = c.env.find((e: Y) => e.name === 'DOCKER_HOST');
  assert.ok(sock || dockerHost, 'the Docker socket or a DOCKER_HOST');
  if (sock) {
    assert.equal(sock.hostPath.type, 'Socket');
    assert.equal(pod.hostNetwork, true, 'replicas on the node loopback need the node network');
  }
  assert.ok(job.podFailurePolicy.rules.some((r: Y) => r.action === 'FailJob' && r.onExitCodes.values.includes(99)));
  const pvc = docs.find((d) => d.kind === 'PersistentVolumeClaim');
  assert.ok(
    pod.volumes.some((v: Y) => v.persistentVolumeClaim?.claimName === pvc?.metadata.name),
    'reports and history on a volume that outlives the pod',
  );
  const script = c.args.join('\n');
  assert.equal(bashSyntax(script), null);
  assert.deepEqual(commandProblems(script, 'cronjob'), []);
  assert.match(script, /--junit "\$run\/junit\.xml"[\s\S]*exit \$code/);
});

test("the GitHub job as a script: steps in order, a failure skips all but always() steps, its exit code is the job's", () => {
  const yamlText = [
    'env: { A: top }',
    'jobs:',
    '  j:',
    '    env: { B: "${{ secrets.X }}" }',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - { name: one, run: "echo one $A $B >> \\"$OUT\\"" }',
    '      - { name: fails, id: drill, run: "echo \\"it\'s\\" >> \\"$OUT\\"; exit 99" }',
    '      - { name: skipped, run: "echo never >> \\"$OUT\\"" }',
    '      - { name: kept, if: "always()", env: { C: "${{ steps.drill.outputs.code }}" }, run: "echo kept $C >> \\"$OUT\\"" }',
    '      - { name: when pushed, if: "always() && github.event_name == \'push\'", run: "echo pushed >> \\"$OUT\\"" }',
  ].join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-wf-'));
  try {
    const out = path.join(dir, 'out');
    const run = (conditions: Record<string, boolean>) => {
      writeFileSync(out, '');
      const script = workflowScript(workflowJob(yamlText, 'j'), {
        expressions: { 'secrets.X': 'sec ret', 'steps.drill.outputs.code': '99' },
        conditions,
      });
      return spawnSync('bash', ['-c', script], { env: { ...process.env, OUT: out }, encoding: 'utf8' }).status;
    };
    assert.equal(run({}), 99);
    assert.equal(readFileSync(out, 'utf8'), "one top sec ret\nit's\nkept 99\n");
    assert.equal(run({ "github.event_name == 'push'": true }), 99);
    assert.equal(readFileSync(out, 'utf8'), "one top sec ret\nit's\nkept 99\npushed\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => workflowJob(yamlText, 'nope'), /no job 'nope'.*jobs: j/);
});

test("the shipped workflow's scheduled job becomes a script with every run step in order", () => {
  const job = workflowJob(read('github-actions.yml'), 'scheduled');
  const script = workflowScript(job, {
    conditions: { "(steps.drill.outputs.code == '0' || steps.drill.outputs.code == '99')": true },
    skip: ['Install and start Docker'],
    env: { SCENARIO: 'smoke' },
  });
  assert.equal(bashSyntax(script), null);
  const order = [...script.matchAll(/^# step \d+: ([^:\n]+)/gm)].map((m) => m[1]);
  assert.doesNotMatch(script, /make install/);
  assert.deepEqual(order, [
    'actions/checkout@v4',
    'actions/setup-node@v4',
    'Install and start Docker',
    'Fetch history and baseline',
    'Full drill',
    'Print the redline history',
    'Carry the history (and a passing run as the next baseline)',
    'Keep the report',
    'Show the JUnit results',
  ]);
  assert.match(script, /export HEADROOM_HISTORY_BRANCH='headroom-history'/);
  assert.match(script, /export SCENARIO='smoke'/);
  assert.doesNotMatch(script, /capacity-drill/);
  assert.match(script, /# step 7: Carry the history.*\nif \[ "\$job_rc" = 0 \] \|\| true; then/);
});
