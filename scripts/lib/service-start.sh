# Starting (and, as root, installing) the machine's own PostgreSQL, NATS and Redis on loopback.
# Each start_* returns non-zero with START_DETAIL set when it cannot.

# package_for <component>: the Debian package that provides it.
package_for() {
  case "$1" in postgresql) echo postgresql ;; nats) echo nats-server ;; redis) echo redis-server ;; esac
}

installed() {
  case "$1" in
    postgresql) command -v pg_ctlcluster >/dev/null 2>&1 && [ -n "$(ls /etc/postgresql 2>/dev/null)" ] ;;
    nats) [ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null 2>&1 ;;
    redis) command -v redis-server >/dev/null 2>&1 ;;
  esac
}

# install_packages <component>...: apt-get as root; otherwise say what to install.
install_packages() {
  local packages=() c
  for c in "$@"; do packages+=("$(package_for "$c")"); done
  if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
    START_DETAIL="not installed; install with: sudo apt-get install -y ${packages[*]}"
    return 1
  fi
  local log=${TMPDIR:-/tmp}/fraiseql-apt.log
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"; } >"$log" 2>&1; then
    START_DETAIL="apt-get install ${packages[*]} failed (see $log)"
    return 1
  fi
}

start_postgresql() {
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || { START_DETAIL="no cluster under /etc/postgresql"; return 1; }
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 \
    || { START_DETAIL="pg_ctlcluster $version main start failed"; return 1; }
}

start_nats() {
  local bin store=/var/lib/nats-server log=/var/log/nats-server.log
  bin=$(command -v nats-server || echo /usr/sbin/nats-server)
  mkdir -p "$store" 2>/dev/null || store=${TMPDIR:-/tmp}/fraiseql-nats-store
  touch "$log" 2>/dev/null || log=${TMPDIR:-/tmp}/fraiseql-nats-server.log
  mkdir -p "$store"
  if command -v start-stop-daemon >/dev/null 2>&1; then
    start-stop-daemon --start --oknodo --background --exec "$bin" -- -a 127.0.0.1 -p 4222 -js -sd "$store" -l "$log" \
      || { START_DETAIL="start-stop-daemon $bin failed"; return 1; }
  else
    nohup "$bin" -a 127.0.0.1 -p 4222 -js -sd "$store" -l "$log" >/dev/null 2>&1 &
  fi
}

start_redis() {
  local dir=/var/lib/redis logdir=/var/log/redis
  mkdir -p "$dir" "$logdir" 2>/dev/null && [ -w "$dir" ] && [ -w "$logdir" ] \
    || { dir=${TMPDIR:-/tmp}/fraiseql-redis; logdir=$dir; mkdir -p "$dir"; }
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir "$dir" --logfile "$logdir/ci.log" >/dev/null 2>&1 \
    || { START_DETAIL="redis-server failed to start (see $logdir/ci.log)"; return 1; }
}
