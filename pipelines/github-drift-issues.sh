#!/usr/bin/env bash
# One drift issue per stack, for a whole fleet, within the workflow token's API budget: one listing of the open
# drift issues, then one call only where something changes (open, update, close). A stack that needs attention
# gets its issue opened or its body replaced; a clean stack's open issue is closed.
#
#   GH_TOKEN=... GH_REPO=owner/repo RUN_URL=... pipelines/github-drift-issues.sh results
set -euo pipefail
results="${1:?usage: $0 RESULTS_FOLDER}"
run_url="${RUN_URL:-}"

gh label create drift --color B60205 --description "Scheduled drift detection found something" --force > /dev/null
declare -A open_issue=()
while IFS=$'\t' read -r number title; do
  [ -n "$number" ] && open_issue["${title#Drift in stack }"]="$number"
done < <(gh issue list --state open --label drift --limit 1000 --json number,title --jq '.[] | "\(.number)\t\(.title)"')

for dir in "$results"/*/; do
  stack="$(basename "$dir")"
  [ -f "${dir}attention" ] || continue
  existing="${open_issue[$stack]:-}"
  if [ "$(cat "${dir}attention")" = "true" ]; then
    body="$(printf 'Checked by %s\n\n' "$run_url"; head -c 60000 "${dir}report.md")"
    if [ -n "$existing" ]; then
      gh issue edit "$existing" --body "$body" > /dev/null
      echo "updated #${existing} (${stack})"
    else
      gh label create "stack:${stack}" --color 0E8A16 --description "Concerns the Pulumi stack ${stack}" --force > /dev/null
      gh issue create --title "Drift in stack ${stack}" --label drift --label "stack:${stack}" --body "$body"
    fi
  elif [ -n "$existing" ]; then
    gh issue close "$existing" --comment "Clean again: ${run_url}" > /dev/null
    echo "closed #${existing} (${stack})"
  fi
done
