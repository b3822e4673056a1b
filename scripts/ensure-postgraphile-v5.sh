#!/usr/bin/env bash
# Installs PostGraphile v5 (Grafast) and a Node 22 runtime into .cache/postgraphile-v5 when they are
# not there yet, for `npm run bench:graphql` (its third system, beside PostGraphile v4).
# It stays out of the root package.json and package-lock.json on purpose: postgraphile@5 needs
# Node >= 22 and graphql 16 of its own, while the workspace runs on Node 20 (`npm ci` there would
# warn about or refuse the engine). Everything is pinned to exact versions; the folder has its own
# package.json, so npm never climbs to the workspace root. Idempotent: a second run with the same
# pins does nothing; a changed pin reinstalls. Exits non-zero when the install fails.
# Prints nothing on stdout but the absolute path of the folder (for scripts that call it).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/log.sh
source scripts/lib/log.sh

dir=.cache/postgraphile-v5
# The exact set: postgraphile and every peer it declares (so npm never picks a newer minor), plus
# the `node` package, which downloads the Node 22 binary the server runs on.
packages=(
  postgraphile@5.1.5
  @dataplan/json@1.0.1
  @dataplan/pg@1.1.2
  grafast@1.1.3
  grafserv@1.0.2
  graphile-build@5.1.1
  graphile-build-pg@5.1.4
  graphile-config@1.1.1
  pg-sql2@5.0.1
  tamedevil@0.1.1
  graphql@16.15.0
  pg@8.23.1
  @envelop/core@5.6.1
  node@22.23.3
)
stamp="$dir/installed.txt"
wanted="${packages[*]}"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x "$dir/node_modules/node/bin/node" ] && [ -d "$dir/node_modules/postgraphile" ]; then
  info "PostGraphile v5 already installed in $dir" >&2
  printf '%s\n' "$PWD/$dir"
  exit 0
fi

mkdir -p "$dir"
rm -f "$stamp"
printf '{ "name": "fraiseql-bench-postgraphile-v5", "private": true }\n' > "$dir/package.json"
info "installing ${packages[*]} into $dir" >&2
if ! npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock --loglevel=error "${packages[@]}" >&2; then
  rm -rf "$dir/node_modules"
  printf '\033[31merror:\033[0m could not install PostGraphile v5 into %s (see npm'"'"'s output above).\n' "$dir" >&2
  printf '       bench:graphql needs it for its PostGraphile v5 column (or run it with --systems without postgraphile-v5);\n' >&2
  printf '       check network access to the npm registry, then run: bash scripts/ensure-postgraphile-v5.sh\n' >&2
  exit 1
fi
node22="$dir/node_modules/node/bin/node"
if [ ! -d "$dir/node_modules/postgraphile" ] || ! "$node22" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)'; then
  printf '\033[31merror:\033[0m npm reported success but %s lacks postgraphile or a working Node 22 (%s).\n' "$dir" "$node22" >&2
  exit 1
fi
printf '%s' "$wanted" > "$stamp"
info "PostGraphile v5 and Node $("$node22" --version) installed in $dir" >&2
printf '%s\n' "$PWD/$dir"
