#!/usr/bin/env bash
# Runs (or with --print, prints) the `run:` steps of one job of docs/ci/github-actions.yml in order, as the runner
# would: a failed step skips the rest but `always()` steps, and the exit code is the job's. Action steps (checkout,
# upload-artifact) are left out; steps with other conditions run only when named with --if; --skip leaves a step out.
#   docs/ci/run-workflow-locally.sh [--print] [--if CONDITION]... [--skip 'Install and start Docker'] gate|scheduled
set -euo pipefail
cd "$(dirname "$0")/../.."
print=0
conditions=()
skip=()
while [ $# -gt 1 ]; do
  case "$1" in
    --print) print=1; shift ;;
    --if) conditions+=("$2"); shift 2 ;;
    --skip) skip+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
job="${1:?usage: run-workflow-locally.sh [--print] [--if CONDITION]... [--skip STEP]... gate|scheduled}"
script="$(node --require ts-node/register -e '
  const { readFileSync } = require("node:fs");
  const { workflowJob, workflowScript } = require("./harness/ci");
  const [job, conds, skips] = process.argv.slice(1);
  const conditions = Object.fromEntries(conds.split("\n").filter(Boolean).map((c) => [c, true]));
  const skip = skips.split("\n").filter(Boolean);
  process.stdout.write(workflowScript(workflowJob(readFileSync("docs/ci/github-actions.yml", "utf8"), job), { conditions, skip }));
' "$job" "$(printf '%s\n' "${conditions[@]}")" "$(printf '%s\n' "${skip[@]}")")"
if [ "$print" = 1 ]; then printf '%s\n' "$script"; else exec bash -c "$script"; fi
