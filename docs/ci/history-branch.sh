#!/usr/bin/env bash
# Carries reports/history.ndjson and each scenario's baseline run between CI runs on a git branch, so a
# scheduled drill sees the runs before it and a pull request compares against the last accepted run.
#   history-branch.sh pull <scenario>            history.ndjson -> reports/, baselines/<scenario>/ -> baseline/<scenario>/
#   history-branch.sh push <scenario> [run-dir]  reports/history.ndjson back; with run-dir, its summary.json becomes the baseline
# HEADROOM_HISTORY_BRANCH names the branch; unset, the script does nothing (a local run keeps reports/ as it is).
# HEADROOM_HISTORY_REMOTE is the remote (default origin).
set -euo pipefail
action="${1:?usage: history-branch.sh pull|push <scenario> [run-dir]}"
scenario="${2:?usage: history-branch.sh pull|push <scenario> [run-dir]}"
branch="${HEADROOM_HISTORY_BRANCH:-}"
remote="${HEADROOM_HISTORY_REMOTE:-origin}"
if [ -z "$branch" ]; then
  echo "history-branch: HEADROOM_HISTORY_BRANCH is not set; history stays in reports/" >&2
  exit 0
fi
# Inside .git, so the checkout of the branch never shows up in the work tree.
work="$(git rev-parse --absolute-git-dir)/headroom-history"

checkout() {
  git worktree remove --force "$work" >/dev/null 2>&1 || rm -rf "$work"
  git worktree prune
  if git fetch --quiet "$remote" "+refs/heads/$branch:refs/remotes/$remote/$branch" 2>/dev/null; then
    git worktree add --quiet --detach "$work" "refs/remotes/$remote/$branch"
  else
    # First run: an empty branch of its own, no shared history with the code.
    git worktree add --quiet --detach "$work" HEAD
    git -C "$work" checkout --quiet --orphan "$branch"
    git -C "$work" rm -rf --quiet . >/dev/null 2>&1 || true
  fi
}

case "$action" in
  pull)
    checkout
    mkdir -p reports
    if [ -f "$work/history.ndjson" ]; then cp "$work/history.ndjson" reports/history.ndjson; fi
    if [ -f "$work/baselines/$scenario/summary.json" ]; then
      mkdir -p "baseline/$scenario"
      cp "$work/baselines/$scenario/summary.json" "baseline/$scenario/summary.json"
      echo "history-branch: baseline for $scenario: $(sed -n 's/.*"runId": "\(.*\)".*/\1/p' "baseline/$scenario/summary.json" | head -1)" >&2
    else
      echo "history-branch: no baseline for $scenario yet" >&2
    fi
    ;;
  push)
    [ -d "$work" ] || checkout
    if [ -f reports/history.ndjson ]; then cp reports/history.ndjson "$work/history.ndjson"; fi
    if [ -n "${3:-}" ]; then
      mkdir -p "$work/baselines/$scenario"
      cp "$3/summary.json" "$work/baselines/$scenario/summary.json"
    fi
    git -C "$work" add -A
    if git -C "$work" diff --cached --quiet; then echo "history-branch: nothing new" >&2; exit 0; fi
    git -C "$work" -c user.name=headroom-ci -c user.email=headroom-ci@localhost commit --quiet -m "headroom: $scenario ${3:+baseline $(basename "$3")}"
    git -C "$work" push --quiet "$remote" "HEAD:refs/heads/$branch"
    ;;
  *)
    echo "usage: history-branch.sh pull|push <scenario> [run-dir]" >&2
    exit 2
    ;;
esac
