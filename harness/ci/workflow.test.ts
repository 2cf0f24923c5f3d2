// A GitHub Actions job as a bash script (workflow.ts): steps in order, if: conditions, the job's exit code,
// on a small workflow and on the shipped one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { workflowJob, workflowScript } from './index';
import { bashSyntax, read } from './testing/pipeline-checks';

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
