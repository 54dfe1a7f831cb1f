#!/usr/bin/env bash
# Run one action over a shard of stacks, a few at a time, so one matrix leg serves many stacks (GitHub Actions
# refuses a matrix over 256 jobs). One stack's failure stops none of the others; the script exits 1 at the end
# if any stack failed (or needs attention, for drift), after every stack has run.
#
#   STACKS="contoso fabrikam" pipelines/run-stacks.sh plan|preview|up|drift
#
# Environment: STACKS (space-separated, from pipelines/shards.py), PARALLEL (stacks at once, default 2),
# RESULTS (folder, default results), MESSAGE (the update message for `up`), ACCESS_GRACE_DAYS (days a customer's
# access may be "not granted yet", awaiting approval or a pending assignment, before the access check calls it a
# finding; default 14). For preview, up and drift the
# Pulumi CLI is logged in and the ARM_* variables are set by the caller. Per stack, RESULTS/<stack>/ receives
# `status` (the exit code), `output.txt`, and plan.json (plan), report.md + attention (drift).
set -euo pipefail

action="${1:-}"
case "$action" in
  plan | preview | up | drift) ;;
  *)
    echo "usage: STACKS='a b' $0 plan|preview|up|drift" >&2
    exit 2
    ;;
esac
export ACTION="$action" RESULTS="${RESULTS:-results}" MESSAGE="${MESSAGE:-deploy}"
mkdir -p "$RESULTS"

one() {
  local stack="$1" dir status=0
  if ! [[ "$stack" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]]; then
    echo "refusing stack name '${stack}'" >&2
    return 0
  fi
  dir="${RESULTS}/${stack}"
  mkdir -p "$dir"
  case "$ACTION" in
    plan)
      .venv/bin/dapctl plan --stack "$stack" --json > "${dir}/plan.json" 2> "${dir}/output.txt" || status=$?
      ;;
    preview)
      pulumi preview --stack "$stack" --policy-pack policy --diff --non-interactive --color never \
        > "${dir}/output.txt" 2>&1 || status=$?
      ;;
    up)
      {
        pulumi preview --stack "$stack" --policy-pack policy --non-interactive --color never &&
          pulumi up --stack "$stack" --policy-pack policy --yes --skip-preview --non-interactive --color never \
            --message "$MESSAGE" &&
          .venv/bin/dapctl gdap status --stack "$stack"
      } > "${dir}/output.txt" 2>&1 || status=$?
      ;;
    drift)
      local preview=0 drift=0 gdap=0 access=0
      pulumi preview --stack "$stack" --refresh --expect-no-changes --diff --non-interactive --color never \
        > "${dir}/preview.txt" 2>&1 || preview=$?
      .venv/bin/dapctl drift --stack "$stack" --format markdown > "${dir}/drift.md" 2> "${dir}/drift-errors.txt" ||
        drift=$?
      .venv/bin/dapctl gdap status --stack "$stack" --fail-on-warning --json > "${dir}/gdap.json" \
        2> "${dir}/gdap-errors.txt" || gdap=$?
      .venv/bin/dapctl access check --all --stack "$stack" --json --grace-days "${ACCESS_GRACE_DAYS:-14}" \
        > "${dir}/access.json" \
        2> "${dir}/access-errors.txt" || access=$?
      {
        echo "Stack \`${stack}\`: pulumi preview --refresh --expect-no-changes exit ${preview}, dapctl drift exit ${drift}"
        echo "(3: drift), dapctl gdap status --fail-on-warning exit ${gdap} (3: warnings), dapctl access check exit"
        echo "${access} (3: access lost, in part too; not granted yet within ${ACCESS_GRACE_DAYS:-14} days is 0)."
        echo
        echo "## What Pulumi manages (preview)"
        echo '```'
        tail -c 20000 "${dir}/preview.txt"
        echo '```'
        echo
        echo "## What Pulumi cannot see (dapctl drift)"
        cat "${dir}/drift.md"
        tail -c 4000 "${dir}/drift-errors.txt"
        echo
        echo "## GDAP relationships (dapctl gdap status)"
        echo '```json'
        head -c 20000 "${dir}/gdap.json"
        tail -c 4000 "${dir}/gdap-errors.txt"
        echo '```'
        echo
        echo "## The partner's access (dapctl access check)"
        echo '```json'
        head -c 20000 "${dir}/access.json"
        tail -c 4000 "${dir}/access-errors.txt"
        echo '```'
      } > "${dir}/report.md"
      if [ "$preview" -ne 0 ] || [ "$drift" -ne 0 ] || [ "$gdap" -ne 0 ] || [ "$access" -ne 0 ]; then
        echo true > "${dir}/attention"
        status=1
      else
        echo false > "${dir}/attention"
      fi
      ;;
  esac
  echo "$status" > "${dir}/status"
  echo "${ACTION} ${stack}: exit ${status}"
  return 0
}
export -f one

read -r -a stacks <<< "${STACKS:-}"
if [ "${#stacks[@]}" -gt 0 ]; then
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash, not here
  printf '%s\n' "${stacks[@]}" | xargs -r -P "${PARALLEL:-2}" -I{} bash -c 'one "$1"' _ {}
fi

failed=()
for stack in "${stacks[@]}"; do
  if [ "$(cat "${RESULTS}/${stack}/status" 2> /dev/null || echo missing)" != 0 ]; then failed+=("$stack"); fi
done
echo "${ACTION}: ${#stacks[@]} stack(s), ${#failed[@]} failed or needing attention${failed[*]:+: ${failed[*]}}"
[ "${#failed[@]}" -eq 0 ]
