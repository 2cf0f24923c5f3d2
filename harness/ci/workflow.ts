// A GitHub Actions job's `run:` steps as one bash script, in order and with the runner's failure rules, so a
// test runs the shipped workflow (docs/ci/github-actions.yml) locally: the same commands, not a copy of them.
import { parse } from 'yaml';

export interface RunStep {
  name: string;
  id: string | null;
  run: string;
  /** Step env; `${{ }}` expressions are left as written (the script resolves them from its options). */
  env: Record<string, string>;
  /** The step's `if:`, null when it has none. */
  if: string | null;
}

export interface WorkflowJob {
  name: string;
  env: Record<string, string>;
  /** Every step in order; `uses:` steps keep their action for the script's comments. */
  steps: (RunStep | { uses: string; name: string })[];
}

type Yaml = Record<string, unknown>;
const isMap = (x: unknown): x is Yaml => typeof x === 'object' && x !== null && !Array.isArray(x);
const envOf = (x: unknown): Record<string, string> =>
  isMap(x) ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, String(v)])) : {};

/** Workflow env merged with the job's, and its steps. Throws naming the job when it is missing or has no steps. */
export function workflowJob(yamlText: string, job: string): WorkflowJob {
  const doc = parse(yamlText) as Yaml;
  const jobs = isMap(doc?.jobs) ? doc.jobs : {};
  const j = jobs[job];
  if (!isMap(j) || !Array.isArray(j.steps)) {
    throw new Error(`workflow has no job '${job}' with steps; jobs: ${Object.keys(jobs).join(', ')}`);
  }
  return {
    name: job,
    env: { ...envOf(doc.env), ...envOf(j.env) },
    steps: j.steps.map((s: Yaml, i: number) => {
      const name = String(s.name ?? (s.uses ? s.uses : `step ${i + 1}`));
      if (typeof s.run === 'string') {
        return {
          name,
          id: s.id ? String(s.id) : null,
          run: s.run,
          env: envOf(s.env),
          if: s.if === undefined ? null : String(s.if),
        };
      }
      return { uses: String(s.uses), name };
    }),
  };
}

export interface ScriptOptions {
  /** Values for `${{ expr }}` in env (by the expression's text, e.g. `secrets.HEADROOM_WEBHOOK_URL`); others become ''. */
  expressions?: Record<string, string>;
  /**
   * Truth of a step's `if:` other than `always()` (by its text, without the `always() && ` part). Conditions not given
   * are false: the script cannot know the event, so a test says which branch of the workflow it runs.
   */
  conditions?: Record<string, boolean>;
  /** Step names left out, e.g. `Install and start Docker` where a test has its own packages and Docker. */
  skip?: string[];
  /** Workflow and job env replaced, e.g. SCENARIO=smoke for a short local run of the scheduled job. */
  env?: Record<string, string>;
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function resolve(value: string, expressions: Record<string, string>): string {
  return value.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, e: string) => expressions[e] ?? '');
}

/**
 * The job's run steps as bash. Like the runner: each step runs in `bash --noprofile --norc -eo pipefail`, a failed
 * step skips the later steps but those marked `always()`, and the script exits with the first failing step's code.
 */
export function workflowScript(job: WorkflowJob, opts: ScriptOptions = {}): string {
  const expressions = opts.expressions ?? {};
  const conditions = opts.conditions ?? {};
  const lines = [
    '#!/usr/bin/env bash',
    `# The run steps of job '${job.name}', in order, generated from the workflow.`,
    'set -u',
    'export GITHUB_OUTPUT="${GITHUB_OUTPUT:-$(mktemp)}"',
    ...Object.entries({ ...job.env, ...opts.env }).map(([k, v]) => `export ${k}=${sq(resolve(v, expressions))}`),
    'job_rc=0',
  ];
  job.steps.forEach((s, i) => {
    if ('uses' in s) {
      lines.push(`# step ${i + 1}: ${s.name.replace(/\n/g, ' ')}: an action, not run here`);
      return;
    }
    if (opts.skip?.includes(s.name)) {
      lines.push(`# step ${i + 1}: ${s.name}: left out here`);
      return;
    }
    const cond = (s.if ?? '').trim();
    const always = /^always\(\)/.test(cond);
    const rest = cond.replace(/^always\(\)\s*(&&\s*)?/, '').trim();
    if (rest && !conditions[rest]) {
      lines.push(`# step ${i + 1}: ${s.name}: skipped, its condition is false here: ${rest.replace(/\n/g, ' ')}`);
      return;
    }
    const env = Object.entries(s.env)
      .map(([k, v]) => `${k}=${sq(resolve(v, expressions))}`)
      .join(' ');
    lines.push(
      `# step ${i + 1}: ${s.name}`,
      `if [ "$job_rc" = 0 ]${always ? ' || true' : ''}; then`,
      `  echo ${sq(`::step ${s.name}`)} >&2`,
      `  ${env ? `env ${env} ` : ''}bash --noprofile --norc -eo pipefail -c ${sq(s.run)}`,
      '  step_rc=$?',
      '  if [ "$job_rc" = 0 ]; then job_rc=$step_rc; fi',
      'fi',
    );
  });
  lines.push('exit "$job_rc"', '');
  return lines.join('\n');
}
