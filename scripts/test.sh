#!/usr/bin/env bash
# npm test: everything from a fresh clone — dependencies, local services, build,
# static checks, then the whole jest suite against real PostgreSQL/NATS/Redis.
# Ends with one line: "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/log.sh

step "dependencies"
bash scripts/install-deps.sh

step "local services (PostgreSQL, NATS JetStream, Redis)"
bash scripts/ensure-services.sh

step "build (tsc -b, project references) and type-check tests"
npx tsc -b tsconfig.build.json
npx tsc -p tsconfig.json

step "format (Prettier), lint (ESLint + Nx module boundaries) and circular imports"
npx prettier --check . --log-level warn
# The boundaries rule reads the cached Nx project graph and silently skips itself without one.
NX_DAEMON=false npx nx show projects >/dev/null
npx eslint . --max-warnings=0
npm run --silent check:cycles

step "packaging (helm lint/template, kustomize, Dockerfile/chart/Tilt consistency)"
bash scripts/check-packaging.sh

step "chdb (embedded ClickHouse: the independent Arrow reader of the Flight tests)"
bash scripts/ensure-chdb.sh

step "prometheus (the dashboards and alerts checked live: test/operations; its daemon is never started)"
bash scripts/ensure-prometheus.sh

step "tests"
rm -f test-results.json
status=0
npx jest --ci --maxWorkers=2 --json --outputFile=test-results.json "$@" || status=$?
node scripts/summarize-tests.mjs test-results.json
exit "$status"
