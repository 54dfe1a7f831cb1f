#!/usr/bin/env bash
# Azure Boards: one drift work item per stack, for the stacks in RESULTS. One WIQL listing of the open drift work
# items, then one call only where something changes (create, update, close).
#
#   AZURE_DEVOPS_EXT_PAT=... ORG=... PROJECT=... BUILD_URL=... WORK_ITEM_TYPE=Issue DONE_STATE=Done \
#     pipelines/ado-drift-items.sh results
set -euo pipefail
results="${1:?usage: $0 RESULTS_FOLDER}"
az extension add --name azure-devops --only-show-errors
az devops configure --defaults organization="$ORG" project="$PROJECT"
wiql="SELECT [System.Id], [System.Title] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.Title] CONTAINS 'Drift in stack ' AND [System.State] <> '${DONE_STATE}' AND [System.State] <> 'Closed' AND [System.State] <> 'Removed'"
declare -A open_item=()
while IFS=$'\t' read -r id title; do
  [ -n "$id" ] && open_item["${title#Drift in stack }"]="$id"
done < <(az boards query --wiql "$wiql" --query '[].[id, fields."System.Title"]' -o tsv)

for dir in "$results"/*/; do
  stack="$(basename "$dir")"
  [ -f "${dir}attention" ] || continue
  existing="${open_item[$stack]:-}"
  if [ "$(cat "${dir}attention")" = "true" ]; then
    description="<pre>$(head -c 60000 "${dir}report.md" | python3 -c 'import html, sys; print(html.escape(sys.stdin.read()))')</pre>"
    if [ -n "$existing" ]; then
      az boards work-item update --id "$existing" --description "$description" \
        --discussion "Still needs attention: ${BUILD_URL}" > /dev/null
    else
      az boards work-item create --type "$WORK_ITEM_TYPE" --title "Drift in stack ${stack}" \
        --description "$description" --fields "System.Tags=drift; stack:${stack}" > /dev/null
    fi
  elif [ -n "$existing" ]; then
    az boards work-item update --id "$existing" --state "$DONE_STATE" --discussion "Clean again: ${BUILD_URL}" > /dev/null
  fi
done
