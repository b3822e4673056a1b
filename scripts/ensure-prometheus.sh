#!/usr/bin/env bash
# Makes sure the Prometheus server and promtool binaries are there (Debian's `prometheus` package:
# /usr/bin/prometheus, /usr/bin/promtool), for the live-Prometheus test of the dashboards and alerts
# (test/operations/live-prometheus.test.ts), which runs its own Prometheus on a private port.
# When they are missing and we are root with apt-get, installs the package WITHOUT starting anything:
# a temporary /usr/sbin/policy-rc.d refuses every service start during the install, recommends
# (prometheus-node-exporter) are left out, and what the install brought in is disabled (systemd) and stopped, so no
# prometheus (:9090) or node exporter (:9100) daemon is left running to collide with anything.
# Idempotent; exits non-zero when the binaries are missing and cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/log.sh
source scripts/lib/log.sh

prometheus_bin=${PROMETHEUS_BIN:-/usr/bin/prometheus}
promtool_bin=${PROMTOOL_BIN:-/usr/bin/promtool}

if [ -x "$prometheus_bin" ] && [ -x "$promtool_bin" ]; then
  info "prometheus already installed ($("$prometheus_bin" --version 2>&1 | head -n 1))"
  exit 0
fi

if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
  fail "prometheus/promtool not found; install them with: sudo apt-get install -y --no-install-recommends prometheus (then stop its service), or set PROMETHEUS_BIN and PROMTOOL_BIN"
fi

# Whatever was installed before stays as it was (its daemons are not ours to stop).
was_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
fresh=()
for package in prometheus prometheus-node-exporter; do was_installed "$package" || fresh+=("$package"); done

policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  # 101 = "action not allowed": invoke-rc.d and deb-systemd-invoke start nothing while it is there.
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

log=${TMPDIR:-/tmp}/fraiseql-apt-prometheus.log
info "installing Debian's prometheus package (apt-get; log in $log)"
if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; } >"$log" 2>&1; then
  fail "apt-get install prometheus failed (see $log)"
fi

# What this install brought in must not run: under systemd its units are enabled for the next boot (disable them), and
# a policy-rc.d of someone else's may have let them start (stop them).
for package in "${fresh[@]}"; do
  was_installed "$package" || continue
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now "$package.service" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$package" ]; then
    "/etc/init.d/$package" stop >/dev/null 2>&1 || true
  fi
done

[ -x "$prometheus_bin" ] && [ -x "$promtool_bin" ] || fail "the prometheus package is installed but $prometheus_bin or $promtool_bin is missing"
info "prometheus installed ($("$prometheus_bin" --version 2>&1 | head -n 1)); its service is not started"
