#!/usr/bin/env bash
# Regenerates, from the `## @param` / `## @section` metadata of helm/fraiseql/values.yaml:
#   - the "## Parameters" section of helm/fraiseql/README.md (Bitnami readme-generator-for-helm, a dev dependency),
#     which fails, listing them, when a value has no metadata or metadata names a value that does not exist;
#   - helm/fraiseql/values.schema.json (scripts/gen-chart-schema.mjs: types and constraints declared there, the
#     descriptions taken from the same comments).
# test/packaging/chart-values-docs.test.ts fails when either committed file differs from what this writes.
# Usage: scripts/gen-chart-readme.sh [values.yaml] [README.md] [values.schema.json]   (default: the chart's own files)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VALUES=${1:-$ROOT/helm/fraiseql/values.yaml}
README=${2:-$ROOT/helm/fraiseql/README.md}
SCHEMA=${3:-$ROOT/helm/fraiseql/values.schema.json}
GENERATOR=$ROOT/node_modules/.bin/readme-generator
[ -x "$GENERATOR" ] || { echo "gen-chart-readme: $GENERATOR not found (npm install)" >&2; exit 2; }
"$GENERATOR" --values "$VALUES" --readme "$README"
node "$ROOT/scripts/gen-chart-schema.mjs" "$VALUES" "$SCHEMA"
