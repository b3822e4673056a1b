#!/usr/bin/env bash
# npm start: the whole fleet on a fresh machine, on its embedded defaults.
# Installs what is missing, checks or starts PostgreSQL/NATS/Redis on loopback, applies migrations,
# compiles and registers the demo schema, seeds the demo shop, then runs the services with prefixed logs
# and prints where they are (GraphQL, Arrow Flight on grpc://127.0.0.1:8815, metrics).
# flight-server reads FRAISEQL_DATABASE_URL as the read-only role fraiseql_flight (migration 0004);
# set FRAISEQL_FLIGHT_DATABASE_URL when that role needs a password. The sink writes analytics into the
# embedded ClickHouse (chdb, installed into .tools/chdb, data in .stack/clickhouse) unless
# FRAISEQL_CLICKHOUSE_URL names a ClickHouse server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/log.sh

export FRAISEQL_ENV="${FRAISEQL_ENV:-development}"
export FRAISEQL_NATS_URL="${FRAISEQL_NATS_URL:-nats://127.0.0.1:4222}"
export FRAISEQL_DATABASE_URL="${FRAISEQL_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fraiseql}"
SEED_SCALE="${FRAISEQL_SEED_SCALE:-10k}"
mkdir -p .stack

step "dependencies"
bash scripts/install-deps.sh

step "embedded ClickHouse for the sink (chdb)"
if [ -n "${FRAISEQL_CLICKHOUSE_URL:-}" ]; then
  info "FRAISEQL_CLICKHOUSE_URL is set: the sink writes to that server, chdb is not needed"
elif ! bash scripts/ensure-chdb.sh; then
  fail "the sink needs chdb for its default embedded ClickHouse; or set FRAISEQL_CLICKHOUSE_URL=http://<host>:8123 to use a ClickHouse server"
fi

step "local services (PostgreSQL, NATS JetStream, Redis)"
bash scripts/ensure-services.sh

step "build"
npx tsc -b tsconfig.build.json

step "database, migrations and demo data"
node scripts/create-database.mjs "$FRAISEQL_DATABASE_URL"
node examples/shop/dist/migrate-cli.js --database-url "$FRAISEQL_DATABASE_URL"
node examples/shop/dist/seed-cli.js --database-url "$FRAISEQL_DATABASE_URL" --scale "$SEED_SCALE" --if-empty

step "schema: compile and register in NATS KV (FRAISEQL_SCHEMA)"
npx fraiseql compile examples/shop/src/schema.ts -o .stack/schema.compiled.json
npx fraiseql schema push -f .stack/schema.compiled.json --nats-url "$FRAISEQL_NATS_URL"

step "starting the fleet (Ctrl-C stops it)"
exec node scripts/run-fleet.mjs
