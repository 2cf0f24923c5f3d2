// The pipelines in docs/ci/ are parsed and checked here: the GitHub Actions workflow and the GitLab CI file, their
// structure, bash syntax of every script, and that each command they run exists (a make target, a headroom command
// and flag). The CronJob's checks are in cronjob.test.ts, the workflow-as-script in workflow.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { commandNames } from '../cli/main';
import { bashSyntax, cronOk, pipelineChecks, read, type Y } from './testing/pipeline-checks';

const { commandProblems } = pipelineChecks(commandNames);

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
