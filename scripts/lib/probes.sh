# Is a component answering? Each probe returns 0 when usable, and sets PROBE_DETAIL on failure.
# They use only bash (/dev/tcp), plus pg_isready / redis-cli when installed.

# tcp_line <host> <port> [send]: connects, optionally sends a line, prints the first line received.
tcp_line() {
  local host=$1 port=$2 send=${3:-}
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    [ -n "$2" ] && printf "%s\r\n" "$2" >&3
    IFS= read -r -t 2 line <&3 || exit 1
    printf "%s\n" "$line"' "${host#[}" "$port" "$send" 2>/dev/null
}

probe_postgres() {
  if command -v pg_isready >/dev/null 2>&1; then
    local args=(-h "$PG_HOST" -p "$PG_PORT" -t 2)
    pg_isready "${args[@]}" -q && return 0
    PROBE_DETAIL=$(pg_isready "${args[@]}" 2>&1 || true)
    return 1
  fi
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$PG_HOST" "$PG_PORT" 2>/dev/null && return 0
  PROBE_DETAIL="nothing listens on $PG_HOST:$PG_PORT"
  return 1
}

# The server's INFO line says whether JetStream is enabled: no nats CLI or client library needed.
probe_nats() {
  local info
  info=$(tcp_line "$NATS_HOST" "$NATS_PORT") || { PROBE_DETAIL="nothing answers on $NATS_HOST:$NATS_PORT"; return 1; }
  case "$info" in
    INFO*'"jetstream":true'*) return 0 ;;
    INFO*) PROBE_DETAIL="nats-server on $NATS_HOST:$NATS_PORT runs without JetStream (start it with -js)"; NATS_NO_JETSTREAM=1; return 1 ;;
    *) PROBE_DETAIL="$NATS_HOST:$NATS_PORT does not speak NATS"; return 1 ;;
  esac
}

probe_redis() {
  local reply
  if command -v redis-cli >/dev/null 2>&1; then
    if [ -n "${REDIS_URL:-}" ]; then reply=$(timeout 3 redis-cli -u "$REDIS_URL" ping 2>&1 || true)
    else reply=$(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>&1 || true); fi
  else
    reply=$(tcp_line "$REDIS_HOST" "$REDIS_PORT" PING || true)
  fi
  case "$reply" in *PONG*) return 0 ;; esac
  PROBE_DETAIL="redis on $REDIS_HOST:$REDIS_PORT: ${reply:-no answer}"
  return 1
}

# wait_for <probe> <seconds>: polls until the probe passes or the time is up.
wait_for() {
  local probe=$1 deadline=$((SECONDS + $2))
  until "$probe"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.5
  done
}
