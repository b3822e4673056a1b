#!/usr/bin/env bash
# Makes sure PostgreSQL, NATS (with JetStream) and Redis answer, one status line per component.
# For the machine's own loopback defaults (127.0.0.1:5432 / :4222 / :6379) it starts what is
# installed but stopped, and as root installs what is missing (apt-get). Endpoints given through
# PGHOST/PGPORT, FRAISEQL_NATS_URL or REDIS_URL that point elsewhere are only checked.
# Idempotent; exits 0 when all three answer, 1 otherwise.
#
# Usage: scripts/ensure-services.sh [--check]     --check: never start or install anything
# Env:   FRAISEQL_SERVICES_TIMEOUT  seconds to wait for a component after starting it (default 30)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/log.sh
. "$here/lib/log.sh"
# shellcheck source=lib/endpoints.sh
. "$here/lib/endpoints.sh"
# shellcheck source=lib/probes.sh
. "$here/lib/probes.sh"
# shellcheck source=lib/service-start.sh
. "$here/lib/service-start.sh"

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  '') ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
timeout_s=${FRAISEQL_SERVICES_TIMEOUT:-30}

resolve_endpoints

# ensure <component> <probe> <managed 0|1> <address>
ensure() {
  local component=$1 probe=$2 managed=$3 address=$4
  PROBE_DETAIL='' START_DETAIL='' NATS_NO_JETSTREAM=''
  if "$probe"; then say "$component" "ok  $address"; return 0; fi
  if [ "$check_only" = 1 ] || [ "$managed" = 0 ]; then
    local why=$PROBE_DETAIL
    [ "$managed" = 0 ] && why="$why (not this machine's default endpoint: only checked)"
    fail_line "$component" "$why"
    return 1
  fi
  # A running NATS without JetStream is someone else's process: do not kill it, say so.
  if [ -n "$NATS_NO_JETSTREAM" ]; then fail_line "$component" "$PROBE_DETAIL"; return 1; fi
  local how=started
  if ! installed "$component"; then
    install_packages "$component" || { fail_line "$component" "$START_DETAIL"; return 1; }
    how='installed and started'
  fi
  # Installing PostgreSQL may already have started it.
  if ! "$probe"; then
    "start_$component" || { fail_line "$component" "$START_DETAIL"; return 1; }
  fi
  if wait_for "$probe" "$timeout_s"; then
    say "$component" "ok  $address ($how)"
  else
    fail_line "$component" "started but not answering after ${timeout_s}s: $PROBE_DETAIL"
    return 1
  fi
}

status=0
ensure postgresql probe_postgres "$PG_MANAGED" "$PG_HOST:$PG_PORT" || status=1
ensure nats probe_nats "$NATS_MANAGED" "$NATS_HOST:$NATS_PORT (JetStream)" || status=1
ensure redis probe_redis "$REDIS_MANAGED" "$REDIS_HOST:$REDIS_PORT" || status=1
exit "$status"
