# syntax=docker/dockerfile:1
#
# The image of every FraiseQL service: one file, the service chosen by a build arg. Build from
# the repository root (the build context):
#   docker build --build-arg SERVICE=<name> -t fraiseql/<name> .
#   docker build --build-arg SERVICE=<name> --target dev -t fraiseql/<name>:dev .    (Tilt)
#
# What differs between services is SERVICE (the folder services/<name> that is built and run) and
# the service's row in the service table near the end (a stage service-<name>: the ports it
# EXPOSEs and the ops-port variable the HEALTHCHECK reads). To add a service, add its row;
# scripts/check-packaging.sh fails for a services/<name> folder without one.
#
# Stages: manifests -> deps (npm ci, cached on the manifests) -> build (tsc -b) -> dev (Tilt)
#         manifests -> prod-deps (npm ci --omit=dev) --------> runtime-base -> service-<name> -> runtime (default)
#
# Files read at run time besides compiled code ship too: the repository's migrations/ (ClickHouse DDL and
# Elasticsearch templates the sink applies at start) and whatever a lib lists in its package.json "files"
# (libs/search: migrations/, sql/). No image carries chdb (the embedded ClickHouse of `npm start`): in a
# cluster the sink writes to a ClickHouse server (docs/deploying.md, "sink").

ARG NODE_IMAGE=node:22-bookworm-slim
ARG SERVICE

# --- manifests: only what `npm ci` reads. The COPY of the whole context invalidates this stage on
# any change, but its output (/manifests) only changes when a package.json or the lock file does,
# and BuildKit caches the stages below on that output's content.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -maxdepth 3 -type f \( -name package.json -o -name package-lock.json -o -name .npmrc \) \
      -not -path './node_modules/*' -not -path './.tools/*' -not -path './.cache/*' -not -path '*/dist/*' \
      -exec cp --parents {} /manifests/ \;

# --- deps: every workspace's dependencies, dev tools included (typescript).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
RUN chown node:node /app
USER node
COPY --from=manifests --chown=node:node /manifests/ ./
RUN --mount=type=cache,target=/home/node/.npm,uid=1000,gid=1000 \
    npm ci --no-audit --no-fund

# --- build: the service and the libs it references (tsc -b follows the project references).
# /app/service links to the service's dist/, so that CMD (exec form, which expands no ARG) is the
# same for every service.
FROM deps AS build
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'SERVICE is not set: docker build --build-arg SERVICE=<name> (a services/<name> folder)' >&2; exit 1; }
COPY --chown=node:node tsconfig.base.json ./
COPY --chown=node:node libs ./libs
COPY --chown=node:node services/${SERVICE} ./services/${SERVICE}
RUN npx tsc -b services/${SERVICE} \
 && ln -s services/${SERVICE}/dist service
# After tsc, so that editing a migration does not invalidate the compiled layers.
COPY --chown=node:node migrations ./migrations

# --- dev: the image Tilt builds (target=dev). Sources, dev dependencies and tsc stay in; Tilt's
# live_update syncs sources and runs `npx tsc -b services/<name>`, and `node --watch` restarts the
# process when dist/ changes.
FROM build AS dev
ENV NODE_ENV=development
CMD ["node", "--watch", "service/main.js"]

# --- dist: only what the service needs at run time: the libs that tsc built, each with the entries its
# package.json "files" lists (dist, and e.g. migrations/ and sql/ of libs/search), the service, migrations/.
FROM build AS dist
ARG SERVICE
RUN mkdir -p /tmp/out/libs /tmp/out/services/${SERVICE} \
 && for lib in libs/*/; do \
      if [ -d "${lib}dist" ]; then \
        mkdir -p "/tmp/out/${lib}"; \
        for entry in $(node -p "(require('./${lib}package.json').files || ['dist']).join(' ')"); do \
          if [ -e "${lib}${entry}" ]; then cp -R "${lib}${entry}" "/tmp/out/${lib}"; fi; \
        done; \
      fi; \
    done \
 && cp -R services/${SERVICE}/dist /tmp/out/services/${SERVICE}/ \
 && cp -R migrations /tmp/out/ \
 && cp -P service /tmp/out/service \
 && find /tmp/out -name '*.tsbuildinfo' -delete

# --- prod-deps: production dependencies only, installed from the same manifests (its own cache key).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

# --- runtime-base: node_modules + manifests + dist, owned by root, run as `node`.
FROM ${NODE_IMAGE} AS runtime-base
# tini as PID 1: forwards SIGTERM to node (whose handlers drain the service) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY --from=dist /tmp/out/ ./
# uid 1000 in node images; the chart and kustomize set runAsUser 1000 and runAsNonRoot.
USER node
STOPSIGNAL SIGTERM
# Docker-only health check (Kubernetes uses the chart's probes on the same endpoint): the ops port
# is the service's own variable (named by its row below) when set, else the row's default.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 CMD ["node", "-e", "const e=process.env;fetch('http://127.0.0.1:'+(e[e.HEALTHCHECK_PORT_VAR]||e.HEALTHCHECK_PORT_DEFAULT)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "service/main.js"]

# --- the service table: one row (stage) per services/<name> folder, the only per-service lines of
# this file. EXPOSE: API port (if any) and ops port, as in helm/fraiseql/values.yaml; the ops-port
# variable and its default, as in the service's config.
FROM runtime-base AS service-gateway
ENV HEALTHCHECK_PORT_VAR=FRAISEQL_GATEWAY_OPS_PORT HEALTHCHECK_PORT_DEFAULT=9101
EXPOSE 4000 9101

FROM runtime-base AS service-query-executor
ENV HEALTHCHECK_PORT_VAR=FRAISEQL_QUERY_EXECUTOR_OPS_PORT HEALTHCHECK_PORT_DEFAULT=9102
EXPOSE 9102

FROM runtime-base AS service-flight-server
ENV HEALTHCHECK_PORT_VAR=FRAISEQL_FLIGHT_OPS_PORT HEALTHCHECK_PORT_DEFAULT=9103
EXPOSE 8815 9103

FROM runtime-base AS service-observer-worker
ENV HEALTHCHECK_PORT_VAR=FRAISEQL_OBSERVER_OPS_PORT HEALTHCHECK_PORT_DEFAULT=9104
EXPOSE 9104

FROM runtime-base AS service-job-runner
ENV HEALTHCHECK_PORT_VAR=FRAISEQL_JOB_OPS_PORT HEALTHCHECK_PORT_DEFAULT=9105
EXPOSE 9105

FROM runtime-base AS service-sink
ENV HEALTHCHECK_PORT_VAR=FRAISEQL_SINK_OPS_PORT HEALTHCHECK_PORT_DEFAULT=9106
EXPOSE 9106

# --- runtime (default target): the row SERVICE names. A SERVICE without a row has no stage here.
FROM service-${SERVICE} AS runtime
