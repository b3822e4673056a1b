# Where PostgreSQL, NATS and Redis are expected, from the same variables the services read.
# Sets PG_HOST PG_PORT NATS_HOST NATS_PORT REDIS_HOST REDIS_PORT, and *_MANAGED=1 when the
# endpoint is this machine's default one (loopback, default port): only those are started/installed;
# anything else (another host or port) is only checked.

is_loopback() {
  case "$1" in 127.0.0.1|localhost|::1|'[::1]'|'') return 0 ;; *) return 1 ;; esac
}

# url_host_port <url> <default-port>: prints "host port" of scheme://[user[:pass]@]host[:port][/...];
# the first of a comma-separated list.
url_host_port() {
  local rest=${1%%,*}
  rest=${rest#*://}
  rest=${rest##*@}
  rest=${rest%%/*}
  local host port
  if [[ $rest == \[*\]* ]]; then            # [v6]:port
    host=${rest%%]*}; host="${host#[}"; port=${rest##*]}; port=${port#:}
  else
    host=${rest%%:*}; port=${rest#"$host"}; port=${port#:}
  fi
  printf '%s %s\n' "${host:-127.0.0.1}" "${port:-$2}"
}

resolve_endpoints() {
  PG_HOST=${PGHOST:-127.0.0.1}
  PG_PORT=${PGPORT:-5432}
  # A PGHOST that is a socket directory is this machine too.
  if { is_loopback "$PG_HOST" || [[ $PG_HOST == /* ]]; } && [ "$PG_PORT" = 5432 ]; then PG_MANAGED=1; else PG_MANAGED=0; fi

  read -r NATS_HOST NATS_PORT < <(url_host_port "${FRAISEQL_NATS_URL:-nats://127.0.0.1:4222}" 4222)
  if is_loopback "$NATS_HOST" && [ "$NATS_PORT" = 4222 ]; then NATS_MANAGED=1; else NATS_MANAGED=0; fi

  read -r REDIS_HOST REDIS_PORT < <(url_host_port "${REDIS_URL:-redis://127.0.0.1:6379}" 6379)
  if is_loopback "$REDIS_HOST" && [ "$REDIS_PORT" = 6379 ]; then REDIS_MANAGED=1; else REDIS_MANAGED=0; fi
}
