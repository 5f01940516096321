#!/usr/bin/env bash
# Reads a JSON array of stack names on stdin and prints, as a JSON array, those that exist in Pulumi
# Cloud as $PULUMI_ORGANIZATION/sophia/<stack>. A stack file whose stack was never created (prod-dr
# until a failover) has nothing to refresh or restore-drill; each one left out is named in a notice.
# A failing `pulumi stack ls` (credentials, network) fails the script: nothing is skipped silently.
set -euo pipefail

: "${PULUMI_ORGANIZATION:?set PULUMI_ORGANIZATION to the organization that owns the stacks}"
candidates=$(cat)
# Names may come back plain ("dev") or qualified ("sophia-ai/sophia/dev"): keep the stack part.
deployed=$(pulumi stack ls --organization "$PULUMI_ORGANIZATION" --project sophia --json | jq -c '[.[].name | split("/") | last]')

jq -rn --argjson candidates "$candidates" --argjson deployed "$deployed" '$candidates - $deployed | .[]' |
    while read -r stack; do
        echo "::notice::stack $stack has a stack file but no stack in Pulumi Cloud ($PULUMI_ORGANIZATION/sophia/$stack): skipped"
    done >&2
jq -cn --argjson candidates "$candidates" --argjson deployed "$deployed" '[$candidates[] | select(. as $stack | $deployed | index($stack))]'
