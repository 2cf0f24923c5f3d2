#!/usr/bin/env bash
# Runs (or with --print, prints) the `run:` steps of one job of docs/ci/github-actions.yml in order, as the runner
# would: a failed step skips the rest but `always()` steps, and the exit code is the job's. Action steps (checkout,
# upload-artifact) are left out; steps with other conditions run only when named with --if.
#   docs/ci/run-workflow-locally.sh [--print] [--if 'github.event_name == '"'"'push'"'"''] <job>   (gate | scheduled)
set -euo pipefail
cd "$(dirname "$0")/../.."
print=0
conditions=()
while [ $# -gt 1 ]; do
  case "$1" in
    --print) print=1; shift ;;
    --if) conditions+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
job="${1:?usage: run-workflow-locally.sh [--print] [--if CONDITION]... gate|scheduled}"
script="$(node --require ts-node/register -e '
  const { readFileSync } = require("node:fs");
  const { workflowJob, workflowScript } = require("./harness/ci");
  const [job, ...conds] = process.argv.slice(1);
  const conditions = Object.fromEntries(conds.map((c) => [c, true]));
  process.stdout.write(workflowScript(workflowJob(readFileSync("docs/ci/github-actions.yml", "utf8"), job), { conditions }));
' "$job" "${conditions[@]}")"
if [ "$print" = 1 ]; then printf '%s\n' "$script"; else exec bash -c "$script"; fi
