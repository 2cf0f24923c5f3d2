// ci/: the pipelines shipped in docs/ci/ as code can read them: a GitHub Actions job's run steps as a script.
export { workflowJob, workflowScript } from './workflow';
export type { RunStep, WorkflowJob, ScriptOptions } from './workflow';
