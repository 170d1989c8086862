#!/usr/bin/env bash
# One preview job of the PR matrix: previews its stacks one after another (the tenant stacks
# with the tier policy pack, configured from each stack's config in the backend) and posts one
# comment per stack on the pull request, edited on each push. Exits 1 if any preview failed,
# after previewing them all.
#   ci/preview-shard.sh <tenant|platform> <stack>...
# Needs: pulumi (logged in), gh (GH_TOKEN), PR_NUMBER, GITHUB_REPOSITORY, RUNNER_TEMP; PULUMI_ORG optional.
set -uo pipefail
project="$1"
shift
status=0

comment() { # <stack> <result> <output file>
  local marker="<!-- pulumi-preview:${project}/$1 -->" body="$RUNNER_TEMP/comment-$1.md" id
  {
    echo "$marker"
    echo "### \`pulumi preview\` of ${project} stack \`$1\`: $2"
    echo '```'
    tail -c 60000 "$3"
    echo '```'
  } >"$body"
  id=$(gh api "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" --paginate --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
  if [ -n "$id" ]; then
    gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body" >/dev/null
  else
    gh api "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -F "body=@$body" >/dev/null
  fi
}

for stack in "$@"; do
  qualified="${PULUMI_ORG:+$PULUMI_ORG/}$stack"
  out="$RUNNER_TEMP/preview-${project}-$stack.txt"
  if [ "$project" = tenant ]; then
    dir=.
    # Stacks the Automation API made have no Pulumi.<stack>.yaml: the backend holds their config.
    # The pack judges the tenant against its home region's platform facts (docs/platform-contract.md).
    pulumi config --stack "$qualified" --json --show-secrets >"$RUNNER_TEMP/config-$stack.json" &&
      home=$(jq -r '(."tenant:regions".value // "[\"eu-west-3\"]") | fromjson | .[0]' "$RUNNER_TEMP/config-$stack.json") &&
      (cd platform && pulumi stack output tenantFacts --json --stack "collect-verything/platform/$home") \
        >"$RUNNER_TEMP/facts-$stack.json" &&
      npm run --silent policy:config -- --config-json "$RUNNER_TEMP/config-$stack.json" \
        --platform-facts "$RUNNER_TEMP/facts-$stack.json" >"$RUNNER_TEMP/policy-$stack.json"
    args=(--policy-pack policy --policy-pack-config "$RUNNER_TEMP/policy-$stack.json")
  else
    dir=platform
    args=()
  fi
  if (cd "$dir" && pulumi preview --stack "$qualified" --diff --non-interactive "${args[@]}") >"$out" 2>&1; then
    result=succeeded
  else
    result=failed
    status=1
  fi
  echo "::group::${project}/$stack: $result"
  cat "$out"
  echo "::endgroup::"
  comment "$stack" "$result" "$out" || echo "::warning::could not comment the preview of $stack"
done
rm -f "$RUNNER_TEMP"/config-*.json "$RUNNER_TEMP"/facts-*.json
exit "$status"
