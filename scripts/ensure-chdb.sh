#!/usr/bin/env bash
# Installs chdb (ClickHouse embedded in Node, ~170 MB) into .tools/chdb when it is not there yet.
# It stays out of package-lock.json on purpose: the registry mirror here lacks chdb's darwin/arm
# optional packages, and a lockfile without them makes `npm ci` fail elsewhere. Tests load it with
# `loadChdb()` from @fraiseql/testkit. Idempotent; exits non-zero when the install fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/log.sh
source scripts/lib/log.sh

version=3.4.0
dir=.tools/chdb

if [ -d "$dir/node_modules/chdb" ]; then
  info "chdb already installed in $dir"
  exit 0
fi

mkdir -p "$dir"
# A package.json of its own, so npm never climbs to the workspace root (nor edits its lockfile).
[ -f "$dir/package.json" ] || printf '{ "name": "fraiseql-tools-chdb", "private": true }\n' > "$dir/package.json"
info "installing chdb@$version into $dir (about 170 MB)"
if ! npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock "chdb@$version"; then
  rm -rf "$dir/node_modules"
  printf '\033[31merror:\033[0m could not install chdb@%s into %s (see npm'"'"'s output above).\n' "$version" "$dir" >&2
  printf '       The chdb tests need it; check network access to the npm registry, then run: bash scripts/ensure-chdb.sh\n' >&2
  exit 1
fi
if [ ! -d "$dir/node_modules/chdb" ]; then
  printf '\033[31merror:\033[0m npm reported success but %s/node_modules/chdb is missing.\n' "$dir" >&2
  exit 1
fi
info "chdb@$version installed in $dir"
