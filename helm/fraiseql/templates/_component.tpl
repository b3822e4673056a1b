{{/*
The objects of one service, each a named template taking a component context
(see fraiseql.component.init in _helpers.tpl). deployments.yaml, services.yaml, configmaps.yaml,
pdb.yaml and hpa.yaml invoke them once per enabled service block.
*/}}

{{/*
ConfigMap data: shared FRAISEQL_* settings, this service's ports and bind addresses, OTEL_*, its `settings`, then extra
keys. Never a URL that may carry a credential: FRAISEQL_NATS_URL, like the Redis and PostgreSQL URLs, comes from a
Secret (fraiseql.component.env).
*/}}
{{- define "fraiseql.component.configData" -}}
{{- $v := .root.Values -}}
{{- $data := dict
  "FRAISEQL_ENV" $v.config.env
  "FRAISEQL_LOG_LEVEL" (.values.logLevel | default $v.config.logLevel)
  "FRAISEQL_SCHEMA_SOURCE" $v.config.schemaSource
  "OTEL_SERVICE_NAME" .name
  "OTEL_SDK_DISABLED" (ternary "false" "true" (eq (toString $v.otel.enabled) "true"))
-}}
{{- /* The kubelet probes the pod IP: the ops server must not stay on its loopback default. */ -}}
{{- $_ := set $data (printf "%s_OPS_HOST" .envPrefix) "0.0.0.0" -}}
{{- $_ := set $data (printf "%s_OPS_PORT" .envPrefix) .values.containerPorts.ops -}}
{{- if .apiPort -}}
{{- $_ := set $data (printf "%s_HOST" .envPrefix) "0.0.0.0" -}}
{{- $_ := set $data (printf "%s_PORT" .envPrefix) (index .values.containerPorts .apiPort) -}}
{{- end -}}
{{- if $v.otel.exporterOtlpEndpoint -}}
{{- $_ := set $data "OTEL_EXPORTER_OTLP_ENDPOINT" $v.otel.exporterOtlpEndpoint -}}
{{- end -}}
{{- $attrs := list "service.namespace=fraiseql" (printf "deployment.environment=%s" $v.config.env) -}}
{{- range $k, $val := $v.otel.resourceAttributes }}{{ $attrs = append $attrs (printf "%s=%v" $k $val) }}{{ end -}}
{{- $_ := set $data "OTEL_RESOURCE_ATTRIBUTES" (join "," $attrs) -}}
{{- if eq .key "queryExecutor" -}}
{{- /* Stream provisioning (global jetstream block) and the change-log relay. */ -}}
{{- $_ := set $data "FRAISEQL_STREAM_REPLICAS" $v.jetstream.replicas -}}
{{- $_ := set $data "FRAISEQL_EVENTS_MAX_AGE" $v.jetstream.events.maxAge -}}
{{- $_ := set $data "FRAISEQL_EVENTS_MAX_BYTES" (int64 $v.jetstream.events.maxBytes) -}}
{{- with .values.relay -}}
{{- $_ := set $data (printf "%s_RELAY_ENABLED" $.envPrefix) (ternary "true" "false" (eq (toString .enabled) "true")) -}}
{{- $_ := set $data (printf "%s_RELAY_BATCH_SIZE" $.envPrefix) .batchSize -}}
{{- $_ := set $data (printf "%s_RELAY_MAX_IN_FLIGHT" $.envPrefix) .maxInFlight -}}
{{- $_ := set $data (printf "%s_RELAY_POLL_INTERVAL_MS" $.envPrefix) .pollInterval -}}
{{- $_ := set $data (printf "%s_RELAY_PUBLISH_TIMEOUT_MS" $.envPrefix) .publishTimeout -}}
{{- $_ := set $data (printf "%s_RELAY_RETENTION" $.envPrefix) .retention -}}
{{- end -}}
{{- end -}}
{{- if eq (include "fraiseql.exports.usedBy" .) "true" -}}
{{- /* The export store, the same for the job-runner and the gateway (values `exports`); S3 keys only for s3://. */ -}}
{{- $x := $v.exports -}}
{{- $_ := include "fraiseql.exports.localDirectory" .root -}}
{{- $_ := set $data "FRAISEQL_EXPORT_STORE" ($x.store | toString | trim) -}}
{{- if hasPrefix "s3://" (toString $x.store) -}}
{{- range $k, $key := dict "endpoint" "FRAISEQL_EXPORT_S3_ENDPOINT" "region" "FRAISEQL_EXPORT_S3_REGION" "forcePathStyle" "FRAISEQL_EXPORT_S3_FORCE_PATH_STYLE" -}}
{{- with index $x.s3 $k }}{{ $_ := set $data $key (toString .) }}{{ end -}}
{{- end -}}
{{- if eq .key "jobRunner" -}}
{{- with $x.s3.partSizeMb }}{{ $_ := set $data "FRAISEQL_EXPORT_S3_PART_SIZE_MB" (toString .) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if eq .key "jobRunner" -}}
{{- with $x.linkTtlMs }}{{ $_ := set $data "FRAISEQL_EXPORT_LINK_TTL_MS" (toString .) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if or (eq .key "gateway") (eq .key "flightServer") -}}
{{- /* Authentication, the same on both (values `authentication`; docs/security.md): a key left "" is not rendered. */ -}}
{{- $a := $v.authentication | default dict -}}
{{- range $k, $key := dict "oidcIssuer" "FRAISEQL_AUTH_OIDC_ISSUER" "jwksUrl" "FRAISEQL_AUTH_JWKS_URL" "issuer" "FRAISEQL_AUTH_ISSUER" "audience" "FRAISEQL_AUTH_AUDIENCE" "algorithms" "FRAISEQL_AUTH_ALGORITHMS" "orgClaim" "FRAISEQL_AUTH_ORG_CLAIM" "rolesClaim" "FRAISEQL_AUTH_ROLES_CLAIM" "orgsClaim" "FRAISEQL_AUTH_ORGS_CLAIM" "apiKeys" "FRAISEQL_AUTH_API_KEYS" -}}
{{- if hasKey $a $k }}{{ if ne (toString (index $a $k)) "" }}{{ $_ := set $data $key (toString (index $a $k)) }}{{ end }}{{ end -}}
{{- end -}}
{{- if and (or $a.oidcIssuer $a.jwksUrl) (not $a.audience) -}}
{{- fail "authentication.audience is required with authentication.oidcIssuer or authentication.jwksUrl: tokens must name this API as their audience (docs/security.md, Authentication)" -}}
{{- end -}}
{{- end -}}
{{- if and (eq .key "flightServer") (.root.Values.clickhouse | default dict).url -}}
{{- /* The analytics datasets are read from the sink's ClickHouse server itself (docs/analytics.md). */ -}}
{{- $ch := .root.Values.clickhouse -}}
{{- $_ := set $data "FRAISEQL_CLICKHOUSE_URL" (toString $ch.url | trim) -}}
{{- with $ch.user }}{{ $_ := set $data "FRAISEQL_CLICKHOUSE_USER" (toString .) }}{{ end -}}
{{- with $ch.database }}{{ $_ := set $data "FRAISEQL_CLICKHOUSE_DATABASE" (toString .) }}{{ end -}}
{{- end -}}
{{- if eq .key "sink" -}}
{{- /* The dataplanes: ClickHouse (required), Elasticsearch (optional) from the values `clickhouse`, `elasticsearch`. */ -}}
{{- range $k, $val := include "fraiseql.sink.dataplaneConfig" .root | fromYaml }}{{ $_ := set $data $k $val }}{{ end -}}
{{- end -}}
{{- if eq .key "jobRunner" -}}
{{- /* The whole shutdown (jobs' grace, then handing the rest back and closing) must fit the service's deadline. */ -}}
{{- $_ := set $data "FRAISEQL_SHUTDOWN_DEADLINE_MS" (add (include "fraiseql.jobRunner.shutdownGraceMs" .) 2000) -}}
{{- end -}}
{{- /* A block's `settings` map: key maxConcurrentStreams -> <envPrefix>_MAX_CONCURRENT_STREAMS; "" is left out. */ -}}
{{- range $k, $val := .values.settings -}}
{{- if ne (toString $val) "" -}}
{{- /* Whole numbers as integers (1000000, not 1e+06); nested ifs: `and` does not short-circuit. */ -}}
{{- if kindIs "float64" $val }}{{ if eq $val (float64 (int64 $val)) }}{{ $val = int64 $val }}{{ end }}{{ end -}}
{{- $_ := set $data (printf "%s_%s" $.envPrefix (snakecase $k | upper)) $val -}}
{{- end -}}
{{- end -}}
{{- range $k, $val := $v.config.extra }}{{ $_ := set $data $k $val }}{{ end -}}
{{- range $k, $val := .values.config }}{{ $_ := set $data $k $val }}{{ end -}}
{{- range $k, $val := $data }}
{{ $k }}: {{ $val | toString | quote }}
{{- end }}
{{- end -}}

{{/*
job-runner's settings.shutdownGraceMs (ms), checked against the pod's terminationGracePeriodSeconds: the kubelet must
not kill the pod before the shutdown deadline (grace + 2 s) plus 5 s. Context: the jobRunner component context.
*/}}
{{- define "fraiseql.jobRunner.shutdownGraceMs" -}}
{{- $grace := dig "settings" "shutdownGraceMs" 8000 .values -}}
{{- if eq (toString $grace) "" }}{{ $grace = 8000 }}{{ end -}}
{{- if not (or (kindIs "float64" $grace) (kindIs "int64" $grace) (kindIs "int" $grace)) -}}
{{- fail (printf "%s.settings.shutdownGraceMs must be a number of milliseconds (the chart derives the shutdown deadline from it), got %q" .key (toString $grace)) -}}
{{- end -}}
{{- $grace = int64 $grace -}}
{{- $period := int64 .values.terminationGracePeriodSeconds -}}
{{- if lt (mul $period 1000) (add $grace 7000) -}}
{{- fail (printf "%s.terminationGracePeriodSeconds (%d) must be at least settings.shutdownGraceMs + 7 s (%d): running jobs get the grace, handing the rest back and closing 2 s, the kubelet a 5 s margin" .key $period (div (add $grace 7999) 1000)) -}}
{{- end -}}
{{- $grace -}}
{{- end -}}

{{/*
The env list of a component's container (secretEnv plus FRAISEQL_NATS_URL from the `nats` reference, which every
service needs; the export store's keys, the sink's and flight-server's store credentials, extraEnvVars). Context: dict
c (component context), own (optional: the Secret standing in for the chart's, see fraiseql.secretKeyRef).
*/}}
{{- define "fraiseql.component.env" -}}
{{- $c := .c -}}
{{- $v := $c.values -}}
{{- $root := $c.root -}}
{{- $own := .own | default "" -}}
{{- /* NATS may carry credentials (nats://user:password@host, a token): a Secret, never the ConfigMap. */ -}}
{{- $secretEnv := merge (dict) ($v.secretEnv | default dict) (dict "FRAISEQL_NATS_URL" "nats") -}}
{{- range $name, $ref := $secretEnv }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef: {{- include "fraiseql.secretKeyRef" (dict "root" $root "ref" $ref "own" $own) | nindent 6 }}
{{- end }}
{{- if eq (include "fraiseql.exports.usedBy" $c) "true" }}
{{- include "fraiseql.exports.env" (dict "root" $root "own" $own) | nindent 0 }}
{{- end }}
{{- if eq $c.key "sink" }}
{{- include "fraiseql.sink.env" $root | nindent 0 }}
{{- end }}
{{- if eq $c.key "flightServer" }}
{{- include "fraiseql.clickhouse.passwordEnv" $root | nindent 0 }}
{{- end }}
{{- with $v.extraEnvVars }}
{{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 0 }}
{{- end }}
{{- end -}}

{{- define "fraiseql.component.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "fraiseql.component.fullname" . }}
  namespace: {{ include "fraiseql.namespace" .root | quote }}
  labels: {{- include "fraiseql.labels.standard" . | nindent 4 }}
  {{- with include "fraiseql.annotations" (dict "root" .root) }}
  annotations: {{- . | nindent 4 }}
  {{- end }}
data: {{- include "fraiseql.component.configData" . | trim | nindent 2 }}
{{- end -}}

{{- define "fraiseql.component.deployment" -}}
{{- $c := . -}}
{{- $v := .values -}}
{{- $root := .root -}}
{{- $exports := eq (include "fraiseql.exports.usedBy" .) "true" -}}
{{- $exportDir := "" -}}
{{- if $exports }}{{ $exportDir = include "fraiseql.exports.localDirectory" $root }}{{ end -}}
{{- $env := include "fraiseql.component.env" (dict "c" .) | trim -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "fraiseql.component.fullname" . }}
  namespace: {{ include "fraiseql.namespace" $root | quote }}
  labels: {{- include "fraiseql.labels.standard" . | nindent 4 }}
  {{- with include "fraiseql.annotations" (dict "root" $root) }}
  annotations: {{- . | nindent 4 }}
  {{- end }}
spec:
  {{- if not (include "fraiseql.autoscaler" .) }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: {{ $v.revisionHistoryLimit }}
  {{- with $v.updateStrategy }}
  strategy: {{- toYaml . | nindent 4 }}
  {{- end }}
  selector:
    matchLabels: {{- include "fraiseql.labels.matchLabels" . | nindent 6 }}
  template:
    metadata:
      labels: {{- include "fraiseql.labels.standard" . | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        {{- /* Roll the pods when their configuration or secrets change. */}}
        checksum/config: {{ include "fraiseql.component.configData" . | sha256sum }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        {{- if $root.Values.metrics.podAnnotations.enabled }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $v.containerPorts.ops | quote }}
        prometheus.io/path: {{ $root.Values.metrics.podAnnotations.path | quote }}
        {{- end }}
        {{- with $v.podAnnotations }}
        {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "fraiseql.serviceAccountName" $root }}
      automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
      {{- with include "fraiseql.imagePullSecrets" . }}
      {{- . | trim | nindent 6 }}
      {{- end }}
      {{- if $v.podSecurityContext.enabled }}
      securityContext: {{- omit $v.podSecurityContext "enabled" | toYaml | nindent 8 }}
      {{- end }}
      {{- with include "fraiseql.affinity" . }}
      affinity: {{- . | nindent 8 }}
      {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector: {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations: {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 8 }}
      {{- end }}
      {{- with include "fraiseql.topologySpread" . }}
      topologySpreadConstraints: {{- . | nindent 8 }}
      {{- end }}
      {{- with $v.priorityClassName }}
      priorityClassName: {{ . | quote }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      containers:
        - name: {{ .name }}
          image: {{ include "fraiseql.image" . }}
          imagePullPolicy: {{ include "fraiseql.imagePullPolicy" . }}
          {{- if $v.containerSecurityContext.enabled }}
          securityContext: {{- omit $v.containerSecurityContext "enabled" | toYaml | nindent 12 }}
          {{- end }}
          {{- with $v.command }}
          command: {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 12 }}
          {{- end }}
          {{- with $v.args }}
          args: {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 12 }}
          {{- end }}
          {{- with $env }}
          env: {{- . | nindent 12 }}
          {{- end }}
          envFrom:
            - configMapRef:
                name: {{ include "fraiseql.component.fullname" . }}
            {{- with $v.extraEnvVarsCM }}
            - configMapRef:
                name: {{ include "fraiseql.tplvalues.render" (dict "value" . "context" $root) }}
            {{- end }}
            {{- with $v.extraEnvVarsSecret }}
            - secretRef:
                name: {{ include "fraiseql.tplvalues.render" (dict "value" . "context" $root) }}
            {{- end }}
          ports:
            {{- range $portName, $port := $v.containerPorts }}
            - name: {{ $portName }}
              containerPort: {{ $port }}
              protocol: TCP
            {{- end }}
          {{- with include "fraiseql.probe" (dict "c" $c "probe" "startupProbe" "custom" "customStartupProbe") }}
          {{- . | trim | nindent 10 }}
          {{- end }}
          {{- with include "fraiseql.probe" (dict "c" $c "probe" "livenessProbe" "custom" "customLivenessProbe") }}
          {{- . | trim | nindent 10 }}
          {{- end }}
          {{- with include "fraiseql.probe" (dict "c" $c "probe" "readinessProbe" "custom" "customReadinessProbe") }}
          {{- . | trim | nindent 10 }}
          {{- end }}
          {{- with include "fraiseql.resources" . }}
          resources: {{- . | nindent 12 }}
          {{- end }}
          {{- with $v.lifecycleHooks }}
          lifecycle: {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 12 }}
          {{- end }}
          volumeMounts:
            {{- /* The root filesystem is read-only; /tmp is the only writable path. */}}
            - name: tmp
              mountPath: /tmp
            {{- with $exportDir }}
            {{- /* The shared local: export store: the job-runner writes it, the gateway only reads. */}}
            - name: exports
              mountPath: {{ . }}
              readOnly: {{ ne $c.key "jobRunner" }}
            {{- end }}
            {{- with $v.extraVolumeMounts }}
            {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {}
        {{- if $exportDir }}
        - name: exports
          persistentVolumeClaim:
            claimName: {{ $root.Values.exports.persistence.existingClaim }}
        {{- end }}
        {{- with $v.extraVolumes }}
        {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 8 }}
        {{- end }}
{{- end -}}

{{- define "fraiseql.component.service" -}}
{{- $v := .values -}}
{{- $svc := $v.service | default dict -}}
{{- $type := $svc.type | default "ClusterIP" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "fraiseql.component.fullname" . }}
  namespace: {{ include "fraiseql.namespace" .root | quote }}
  labels: {{- include "fraiseql.labels.standard" . | nindent 4 }}
  {{- with include "fraiseql.annotations" (dict "root" .root "extra" $svc.annotations) }}
  annotations: {{- . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $type }}
  {{- if and $svc.clusterIP (eq $type "ClusterIP") }}
  clusterIP: {{ $svc.clusterIP }}
  {{- end }}
  {{- if and $svc.loadBalancerIP (eq $type "LoadBalancer") }}
  loadBalancerIP: {{ $svc.loadBalancerIP }}
  {{- end }}
  {{- if and $svc.loadBalancerSourceRanges (eq $type "LoadBalancer") }}
  loadBalancerSourceRanges: {{- toYaml $svc.loadBalancerSourceRanges | nindent 4 }}
  {{- end }}
  {{- if or (eq $type "LoadBalancer") (eq $type "NodePort") }}
  externalTrafficPolicy: {{ $svc.externalTrafficPolicy | default "Cluster" }}
  {{- end }}
  sessionAffinity: {{ $svc.sessionAffinity | default "None" }}
  ports:
    {{- range $portName, $port := $v.containerPorts }}
    - name: {{ $portName }}
      port: {{ index ($svc.ports | default dict) $portName | default $port }}
      targetPort: {{ $portName }}
      protocol: TCP
      {{- with index ($svc.appProtocols | default dict) $portName }}
      appProtocol: {{ . }}
      {{- end }}
      {{- $nodePort := index ($svc.nodePorts | default dict) $portName }}
      {{- if and $nodePort (or (eq $type "LoadBalancer") (eq $type "NodePort")) }}
      nodePort: {{ $nodePort }}
      {{- end }}
    {{- end }}
  selector: {{- include "fraiseql.labels.matchLabels" . | nindent 4 }}
{{- end -}}

{{- define "fraiseql.component.pdb" -}}
{{- $pdb := .values.pdb | default dict -}}
{{- /* A PDB with one replica would block every node drain (minAvailable 1) or protect nothing. */ -}}
{{- if and $pdb.create (gt (int (include "fraiseql.minReplicas" .)) 1) -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "fraiseql.component.fullname" . }}
  namespace: {{ include "fraiseql.namespace" .root | quote }}
  labels: {{- include "fraiseql.labels.standard" . | nindent 4 }}
spec:
  {{- if not (eq (toString $pdb.minAvailable) "") }}
  minAvailable: {{ $pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $pdb.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels: {{- include "fraiseql.labels.matchLabels" . | nindent 6 }}
{{- end -}}
{{- end -}}

{{- define "fraiseql.component.hpa" -}}
{{- $hpa := dig "hpa" dict (.values.autoscaling | default dict) -}}
{{- if eq (include "fraiseql.autoscaler" .) "hpa" -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "fraiseql.component.fullname" . }}
  namespace: {{ include "fraiseql.namespace" .root | quote }}
  labels: {{- include "fraiseql.labels.standard" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "fraiseql.component.fullname" . }}
  minReplicas: {{ $hpa.minReplicas }}
  maxReplicas: {{ $hpa.maxReplicas }}
  metrics:
    {{- if $hpa.targetCPU }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $hpa.targetCPU }}
    {{- end }}
    {{- if $hpa.targetMemory }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $hpa.targetMemory }}
    {{- end }}
{{- end -}}
{{- end -}}

{{/*
KEDA ScaledObject (keda.sh/v1alpha1) of a component whose autoscaling.keda is enabled:
  observerWorker  nats-jetstream on the durable `observer-worker` of FRAISEQL_EVENTS
  sink            nats-jetstream on `sink-clickhouse` and/or `sink-search` (settings.dataplanes)
  jobRunner       prometheus on its backlog (fraiseql_job_queue_depth, waiting + prioritized)
  any other       cpu (Utilization)
plus autoscaling.keda.extraTriggers.
*/}}
{{- define "fraiseql.component.scaledObject" -}}
{{- if eq (include "fraiseql.autoscaler" .) "keda" -}}
{{- $root := .root -}}
{{- $k := .values.autoscaling.keda -}}
{{- $g := $root.Values.keda -}}
{{- $consumers := list -}}
{{- if eq .key "observerWorker" }}{{ $consumers = list "observer-worker" }}{{ end -}}
{{- if eq .key "sink" -}}
{{- $planes := splitList "," (dig "settings" "dataplanes" "clickhouse,search" .values | toString | nospace) -}}
{{- if has "clickhouse" $planes }}{{ $consumers = append $consumers "sink-clickhouse" }}{{ end -}}
{{- if has "search" $planes }}{{ $consumers = append $consumers "sink-search" }}{{ end -}}
{{- end -}}
{{- $monitoring := $g.nats.monitoringEndpoint -}}
{{- if and $consumers (not $monitoring) -}}
{{- if dig "nats" "enabled" false $root.Values.bundled -}}
{{- $monitoring = printf "%s.%s.svc.%s:8222" (include "fraiseql.bundled.fullname" (dict "root" $root "store" "nats")) (include "fraiseql.namespace" $root) $root.Values.clusterDomain -}}
{{- else if $root.Values.externalNats.existingSecret -}}
{{- fail (printf "keda.nats.monitoringEndpoint is required with %s.autoscaling.keda.enabled and externalNats.existingSecret: the chart cannot read the NATS URL from that Secret to derive the monitoring endpoint (host:8222) KEDA reads the consumers' lag from" .key) -}}
{{- else -}}
{{- $host := include "fraiseql.urlHost" $root.Values.externalNats.url -}}
{{- /* KEDA's operator runs in its own namespace: a Service name of this namespace needs qualifying. */ -}}
{{- if not (contains "." $host) }}{{ $host = printf "%s.%s.svc.%s" $host (include "fraiseql.namespace" $root) $root.Values.clusterDomain }}{{ end -}}
{{- $monitoring = printf "%s:8222" $host -}}
{{- end -}}
{{- end -}}
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ include "fraiseql.component.fullname" . }}
  namespace: {{ include "fraiseql.namespace" $root | quote }}
  labels: {{- include "fraiseql.labels.standard" . | nindent 4 }}
  {{- with include "fraiseql.annotations" (dict "root" $root) }}
  annotations: {{- . | nindent 4 }}
  {{- end }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "fraiseql.component.fullname" . }}
  minReplicaCount: {{ $k.minReplicas }}
  maxReplicaCount: {{ $k.maxReplicas }}
  pollingInterval: {{ $k.pollingInterval }}
  cooldownPeriod: {{ $k.cooldownPeriod }}
  {{- with $k.fallback }}
  fallback: {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $k.advanced }}
  advanced: {{- toYaml . | nindent 4 }}
  {{- end }}
  triggers:
    {{- range $consumers }}
    - type: nats-jetstream
      metadata:
        natsServerMonitoringEndpoint: {{ $monitoring | quote }}
        account: {{ $g.nats.account | quote }}
        stream: FRAISEQL_EVENTS
        consumer: {{ . | quote }}
        lagThreshold: {{ $k.lagThreshold | toString | quote }}
        activationLagThreshold: {{ $k.activationLagThreshold | toString | quote }}
        useHttps: {{ $g.nats.useHttps | toString | quote }}
    {{- end }}
    {{- if eq .key "jobRunner" }}
    {{- if lt (int $k.minReplicas) 1 }}
    {{- fail "jobRunner.autoscaling.keda.minReplicas must be at least 1: its backlog metric (fraiseql_job_queue_depth) is reported by its own pods, none would wake it from zero" }}
    {{- end }}
    {{- $queue := dig "settings" "queue" "fraiseql-jobs" .values | toString }}
    {{- $query := $g.prometheus.query | default (printf "sum(max by (state) (fraiseql_job_queue_depth{namespace=%q, queue=%q, state=~\"waiting|prioritized\"}))" (include "fraiseql.namespace" $root) $queue) }}
    - type: prometheus
      metadata:
        serverAddress: {{ required "keda.prometheus.serverAddress is required with jobRunner.autoscaling.keda.enabled: the Prometheus that scrapes job-runner (its backlog is fraiseql_job_queue_depth)" $g.prometheus.serverAddress | quote }}
        query: {{ $query | quote }}
        threshold: {{ $k.queueDepthThreshold | toString | quote }}
    {{- end }}
    {{- if and (not $consumers) (ne .key "jobRunner") }}
    {{- if lt (int $k.minReplicas) 1 }}
    {{- fail (printf "%s.autoscaling.keda.minReplicas must be at least 1: its trigger is CPU, which cannot scale from zero" .key) }}
    {{- end }}
    - type: cpu
      metricType: Utilization
      metadata:
        value: {{ $k.targetCPU | toString | quote }}
    {{- end }}
    {{- with $k.extraTriggers }}
    {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 4 }}
    {{- end }}
{{- end -}}
{{- end -}}

{{/* ServiceMonitor (monitoring.coreos.com/v1) of a component: /metrics on its ops port. */}}
{{- define "fraiseql.component.serviceMonitor" -}}
{{- $sm := .root.Values.metrics.serviceMonitor -}}
{{- if $sm.enabled -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "fraiseql.component.fullname" . }}
  namespace: {{ $sm.namespace | default (include "fraiseql.namespace" .root) | quote }}
  labels: {{- include "fraiseql.labels.standard" . | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with include "fraiseql.annotations" (dict "root" .root "extra" $sm.annotations) }}
  annotations: {{- . | nindent 4 }}
  {{- end }}
spec:
  {{- with $sm.jobLabel }}
  jobLabel: {{ . }}
  {{- end }}
  selector:
    matchLabels: {{- include "fraiseql.labels.matchLabels" . | nindent 6 }}
  namespaceSelector:
    matchNames:
      - {{ include "fraiseql.namespace" .root | quote }}
  endpoints:
    - port: ops
      path: {{ .root.Values.metrics.podAnnotations.path | default "/metrics" }}
      {{- with $sm.interval }}
      interval: {{ . }}
      {{- end }}
      {{- with $sm.scrapeTimeout }}
      scrapeTimeout: {{ . }}
      {{- end }}
      {{- if $sm.honorLabels }}
      honorLabels: true
      {{- end }}
      {{- with $sm.relabelings }}
      relabelings: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $sm.metricRelabelings }}
      metricRelabelings: {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
{{- end -}}

{{/*
NetworkPolicy of a component (see the `networkPolicy` values for what each service is allowed). Egress rules name
ports only: the stores may live outside the cluster.
*/}}
{{- define "fraiseql.component.networkPolicy" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $np := $v.networkPolicy -}}
{{- if $np.enabled -}}
{{- $needs := dict
  "gateway" (list "redis")
  "queryExecutor" (list "postgresql")
  "flightServer" (list "postgresql" "redis" "clickhouse")
  "observerWorker" (list "redis")
  "jobRunner" (list "redis" "postgresql")
  "sink" (list "postgresql" "clickhouse" "elasticsearch")
-}}
{{- $stores := index $needs .key | default list -}}
{{- /* Ports by store, from the URLs the services get. */ -}}
{{- /* With externalNats.existingSecret the URL is not readable here: NATS's default port (others: extraEgress). */ -}}
{{- $natsUrl := ternary "" $v.externalNats.url (ne (toString $v.externalNats.existingSecret) "") -}}
{{- $egress := list (dict "port" (include "fraiseql.urlPort" (dict "url" $natsUrl "fallback" "4222")) "what" "NATS") -}}
{{- if has "postgresql" $stores -}}
{{- $egress = append $egress (dict "port" (include "fraiseql.urlPort" (dict "url" $v.externalDatabase.url "fallback" "5432")) "what" "PostgreSQL") -}}
{{- range list $v.externalDatabase.flightUrl $v.externalDatabase.sinkUrl }}{{ if . }}{{ $egress = append $egress (dict "port" (include "fraiseql.urlPort" (dict "url" . "fallback" "5432")) "what" "PostgreSQL") }}{{ end }}{{ end -}}
{{- end -}}
{{- if has "redis" $stores -}}
{{- $egress = append $egress (dict "port" (include "fraiseql.urlPort" (dict "url" $v.externalRedis.url "fallback" "6379")) "what" "Redis") -}}
{{- end -}}
{{- if and (has "clickhouse" $stores) $v.clickhouse.url -}}
{{- $egress = append $egress (dict "port" (include "fraiseql.urlPort" (dict "url" $v.clickhouse.url "defaults" (dict "http" "8123" "https" "8443") "fallback" "8123")) "what" "ClickHouse") -}}
{{- end -}}
{{- if and (has "elasticsearch" $stores) $v.elasticsearch.url -}}
{{- $egress = append $egress (dict "port" (include "fraiseql.urlPort" (dict "url" $v.elasticsearch.url "fallback" "9200")) "what" "Elasticsearch") -}}
{{- end -}}
{{- if eq (include "fraiseql.exports.usedBy" .) "true" -}}
{{- if hasPrefix "s3://" (toString $v.exports.store) -}}
{{- $egress = append $egress (dict "port" (include "fraiseql.urlPort" (dict "url" $v.exports.s3.endpoint "defaults" (dict "http" "80" "https" "443") "fallback" "443")) "what" "export store") -}}
{{- end -}}
{{- end -}}
{{- if has .key (list "gateway" "flightServer") -}}
{{- $a := $v.authentication | default dict -}}
{{- range list $a.oidcIssuer $a.jwksUrl }}{{ if . }}{{ $egress = append $egress (dict "port" (include "fraiseql.urlPort" (dict "url" . "defaults" (dict "http" "80" "https" "443") "fallback" "443")) "what" "identity provider") }}{{ end }}{{ end -}}
{{- end -}}
{{- with dig "settings" "smtpUrl" "" .values -}}
{{- $egress = append $egress (dict "port" (include "fraiseql.urlPort" (dict "url" . "defaults" (dict "smtp" "587" "smtps" "465") "fallback" "587")) "what" "SMTP") -}}
{{- end -}}
{{- if and $v.otel.enabled $v.otel.exporterOtlpEndpoint -}}
{{- $egress = append $egress (dict "port" (include "fraiseql.urlPort" (dict "url" $v.otel.exporterOtlpEndpoint "defaults" (dict "http" "4318" "https" "4318" "grpc" "4317") "fallback" "4318")) "what" "OTLP") -}}
{{- end -}}
{{- $ports := list -}}
{{- range $egress }}{{ $ports = append $ports (int .port) }}{{ end -}}
{{- $ops := .values.containerPorts.ops -}}
{{- $metricsFrom := list -}}
{{- if or $np.metrics.namespaceSelector $np.metrics.podSelector -}}
{{- $peer := dict -}}
{{- with $np.metrics.namespaceSelector }}{{ $_ := set $peer "namespaceSelector" . }}{{ end -}}
{{- with $np.metrics.podSelector }}{{ $_ := set $peer "podSelector" . }}{{ end -}}
{{- $metricsFrom = list $peer -}}
{{- end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "fraiseql.component.fullname" . }}
  namespace: {{ include "fraiseql.namespace" $root | quote }}
  labels: {{- include "fraiseql.labels.standard" . | nindent 4 }}
  {{- with include "fraiseql.annotations" (dict "root" $root) }}
  annotations: {{- . | nindent 4 }}
  {{- end }}
spec:
  podSelector:
    matchLabels: {{- include "fraiseql.labels.matchLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    {{- if .apiPort }}
    # The API port ({{ .apiPort }}).
    - ports:
        - port: {{ index .values.containerPorts .apiPort }}
          protocol: TCP
      {{- if not $np.allowExternal }}
      from:
        - podSelector:
            matchLabels:
              {{ include "fraiseql.fullname" $root }}-client: "true"
        {{- if or $np.ingressNSMatchLabels $np.ingressNSPodMatchLabels }}
        - namespaceSelector:
            {{- if $np.ingressNSMatchLabels }}
            matchLabels: {{- toYaml $np.ingressNSMatchLabels | nindent 14 }}
            {{- else }}
            {}
            {{- end }}
          {{- with $np.ingressNSPodMatchLabels }}
          podSelector:
            matchLabels: {{- toYaml . | nindent 14 }}
          {{- end }}
        {{- end }}
      {{- end }}
    {{- end }}
    # The ops port: /healthz, /readyz, /metrics.
    - ports:
        - port: {{ $ops }}
          protocol: TCP
      {{- with $metricsFrom }}
      from: {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- with $np.extraIngress }}
    {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 4 }}
    {{- end }}
    {{- with dig "networkPolicy" "extraIngress" list .values }}
    {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 4 }}
    {{- end }}
  egress:
    {{- if $np.allowExternalEgress }}
    - {}
    {{- else }}
    # DNS.
    - ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
      {{- $dns := dict }}
      {{- with $np.kubeDNS.namespaceSelector }}{{ $_ := set $dns "namespaceSelector" . }}{{ end }}
      {{- with $np.kubeDNS.podSelector }}{{ $_ := set $dns "podSelector" . }}{{ end }}
      {{- with $dns }}
      to: {{- list . | toYaml | nindent 8 }}
      {{- end }}
    # {{ range $i, $e := $egress }}{{ if $i }}, {{ end }}{{ $e.what }} {{ $e.port }}{{ end }}.
    - ports:
        {{- range uniq $ports }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
    {{- with $np.extraEgress }}
    {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 4 }}
    {{- end }}
    {{- with dig "networkPolicy" "extraEgress" list .values }}
    {{- include "fraiseql.tplvalues.render" (dict "value" . "context" $root) | nindent 4 }}
    {{- end }}
    {{- end }}
{{- end -}}
{{- end -}}
