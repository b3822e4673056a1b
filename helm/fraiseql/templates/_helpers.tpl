{{/*
Shared helpers. Every service is rendered by the same named templates
(fraiseql.component.deployment/service/configmap/pdb/hpa), invoked once per service block,
so adding a service is a values entry, never a new template.

A "component context" ($c) is a dict:
  root      the chart's root context ($)
  key       the values key (queryExecutor)
  name      the Kubernetes/service name (query-executor)
  envPrefix FRAISEQL_QUERY_EXECUTOR (a block's `envPrefix` wins: flightServer -> FRAISEQL_FLIGHT)
  values    componentDefaults deep-merged with the service block (fraiseql.deepMerge)
*/}}

{{- define "fraiseql.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "fraiseql.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "fraiseql.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "fraiseql.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Object name of a component: <fullname>-<name>. */}}
{{- define "fraiseql.component.fullname" -}}
{{- printf "%s-%s" (include "fraiseql.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. Context: the root, or a component context. */}}
{{- define "fraiseql.labels.standard" -}}
{{- $root := .root | default . -}}
app.kubernetes.io/name: {{ include "fraiseql.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: fraiseql
helm.sh/chart: {{ include "fraiseql.chart" $root }}
{{- if .name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Immutable selector labels of a component. */}}
{{- define "fraiseql.labels.matchLabels" -}}
app.kubernetes.io/name: {{ include "fraiseql.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name | quote }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* metadata.annotations body (commonAnnotations plus an optional dict `extra`), empty if none. */}}
{{- define "fraiseql.annotations" -}}
{{- $all := merge (dict) (.extra | default dict) (.root.Values.commonAnnotations | default dict) -}}
{{- if $all }}
{{- toYaml $all }}
{{- end }}
{{- end -}}

{{/* Renders a value that may contain templates (Bitnami's common.tplvalues.render). */}}
{{- define "fraiseql.tplvalues.render" -}}
{{- if typeIs "string" .value -}}
{{- tpl .value .context -}}
{{- else -}}
{{- tpl (.value | toYaml) .context -}}
{{- end -}}
{{- end -}}

{{/*
A values block is a service when it is a map with `containerPorts`; it is rendered unless
`enabled: false`.
*/}}
{{- define "fraiseql.component.isEnabled" -}}
{{- /* Nested ifs: `and`/`or` do not short-circuit in the Go templates of Helm 3.6. */ -}}
{{- if kindIs "map" . -}}
{{- if hasKey . "containerPorts" -}}
{{- if not (hasKey . "enabled") -}}true{{- else if .enabled -}}true{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Deep merge for component values: maps merge key by key; any other value (including false, ""
and lists) replaces. Unlike sprig's merge, a `false` or `0` in a service block is never lost.
Context: dict dst, src. Mutates dst; never the maps of src.
*/}}
{{- define "fraiseql.deepMerge" -}}
{{- $dst := .dst -}}
{{- range $k, $v := .src -}}
{{- $old := index $dst $k -}}
{{- if and (kindIs "map" $v) (kindIs "map" $old) -}}
{{- $child := dict -}}
{{- include "fraiseql.deepMerge" (dict "dst" $child "src" $old) -}}
{{- include "fraiseql.deepMerge" (dict "dst" $child "src" $v) -}}
{{- $_ := set $dst $k $child -}}
{{- else if kindIs "map" $v -}}
{{- $child := dict -}}
{{- include "fraiseql.deepMerge" (dict "dst" $child "src" $v) -}}
{{- $_ := set $dst $k $child -}}
{{- else -}}
{{- $_ := set $dst $k $v -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Fills .out with the component context: componentDefaults deep-merged with the service block. */}}
{{- define "fraiseql.component.init" -}}
{{- include "fraiseql.bundled.apply" .root -}}
{{- $values := dict -}}
{{- include "fraiseql.deepMerge" (dict "dst" $values "src" .root.Values.componentDefaults) -}}
{{- include "fraiseql.deepMerge" (dict "dst" $values "src" .block) -}}
{{- $_ := required (printf "%s.containerPorts.ops is required (health and metrics port)" .key) (dig "containerPorts" "ops" nil .block) -}}
{{- $apiPorts := without (keys .block.containerPorts) "ops" -}}
{{- if gt (len $apiPorts) 1 -}}
{{- fail (printf "%s.containerPorts: at most one port besides `ops` (got %s)" .key (join ", " (sortAlpha $apiPorts))) -}}
{{- end -}}
{{- $_ := set .out "root" .root -}}
{{- $_ := set .out "key" .key -}}
{{- $_ := set .out "name" (kebabcase .key) -}}
{{- $_ := set .out "envPrefix" (.block.envPrefix | default (printf "FRAISEQL_%s" (snakecase .key | upper))) -}}
{{- $_ := set .out "apiPort" (first $apiPorts | default "") -}}
{{- $_ := set .out "values" $values -}}
{{- end -}}

{{/* Image reference of a component: registry/repository:tag or @digest. */}}
{{- define "fraiseql.image" -}}
{{- $root := .root -}}
{{- $img := .values.image | default dict -}}
{{- $registry := $root.Values.global.imageRegistry | default $img.registry | default $root.Values.image.registry -}}
{{- $repository := required (printf "%s.image.repository is required" .key) $img.repository -}}
{{- $digest := $img.digest | default $root.Values.image.digest -}}
{{- $tag := $img.tag | default $root.Values.image.tag | default $root.Chart.AppVersion | toString -}}
{{- $ref := ternary (printf "%s/%s" $registry $repository) $repository (ne $registry "") -}}
{{- if $digest -}}
{{- printf "%s@%s" $ref $digest -}}
{{- else -}}
{{- printf "%s:%s" $ref $tag -}}
{{- end -}}
{{- end -}}

{{- define "fraiseql.imagePullPolicy" -}}
{{- $img := .values.image | default dict -}}
{{- $img.pullPolicy | default .root.Values.image.pullPolicy -}}
{{- end -}}

{{/* imagePullSecrets block: global + image + component image pull secrets, deduplicated. */}}
{{- define "fraiseql.imagePullSecrets" -}}
{{- $img := .values.image | default dict -}}
{{- $secrets := concat (.root.Values.global.imagePullSecrets | default list) (.root.Values.image.pullSecrets | default list) ($img.pullSecrets | default list) | uniq -}}
{{- if $secrets }}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ if kindIs "map" . }}{{ .name }}{{ else }}{{ . }}{{ end }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "fraiseql.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "fraiseql.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The chart's own Secret (holds whatever no existingSecret provides). */}}
{{- define "fraiseql.secretName" -}}
{{- include "fraiseql.fullname" . -}}
{{- end -}}

{{/*
secretKeyRef for a secret reference used in a service block's `secretEnv`.
Context: dict root, ref. References:
  jwt       FRAISEQL_JWT_SECRET        auth.existingSecret / auth.jwtSecret
  cursor    FRAISEQL_CURSOR_SECRET     auth.existingSecret / auth.cursorSecret
  database  PostgreSQL URL             externalDatabase.existingSecret / externalDatabase.url
  redis     Redis URL                  externalRedis.existingSecret / externalRedis.url
  nats      NATS URL (FRAISEQL_NATS_URL of every service, see fraiseql.component.env)
                                       externalNats.existingSecret / externalNats.url
  flight-ticket    FRAISEQL_FLIGHT_TICKET_SECRET  auth.existingSecret / auth.flightTicketSecret
  flight-database  flight-server's and job-runner's PostgreSQL URL (read-only role)
                                       externalDatabase.existingSecret / externalDatabase.flightUrl
  export-signing   FRAISEQL_EXPORT_SIGNING_KEY  auth.existingSecret / auth.exportSigningKey
  sink-database    the sink's PostgreSQL URL (full-text search; a role that may create its schema)
                                       externalDatabase.existingSecret / externalDatabase.sinkUrl, else .url
*/}}
{{- define "fraiseql.secretKeyRef" -}}
{{- $v := .root.Values -}}
{{- /* `own`: the Secret holding the chart's values; the provisioning hook passes its own copy (templates/provisioning.yaml). */ -}}
{{- $own := .own | default (include "fraiseql.secretName" .root) -}}
{{- if eq .ref "jwt" -}}
name: {{ $v.auth.existingSecret | default $own }}
key: {{ ternary $v.auth.existingSecretJwtKey "jwt-secret" (ne $v.auth.existingSecret "") }}
{{- else if eq .ref "cursor" -}}
name: {{ $v.auth.existingSecret | default $own }}
key: {{ ternary $v.auth.existingSecretCursorKey "cursor-secret" (ne $v.auth.existingSecret "") }}
{{- else if eq .ref "database" -}}
name: {{ $v.externalDatabase.existingSecret | default $own }}
key: {{ ternary $v.externalDatabase.existingSecretUrlKey "database-url" (ne $v.externalDatabase.existingSecret "") }}
{{- else if eq .ref "flight-ticket" -}}
name: {{ $v.auth.existingSecret | default $own }}
key: {{ ternary $v.auth.existingSecretFlightTicketKey "flight-ticket-secret" (ne $v.auth.existingSecret "") }}
{{- else if eq .ref "flight-database" -}}
name: {{ $v.externalDatabase.existingSecret | default $own }}
key: {{ ternary $v.externalDatabase.existingSecretFlightUrlKey "flight-database-url" (ne $v.externalDatabase.existingSecret "") }}
{{- else if eq .ref "redis" -}}
name: {{ $v.externalRedis.existingSecret | default $own }}
key: {{ ternary $v.externalRedis.existingSecretUrlKey "redis-url" (ne $v.externalRedis.existingSecret "") }}
{{- else if eq .ref "nats" -}}
{{- if not (or $v.externalNats.existingSecret $v.externalNats.url) -}}
{{- fail "externalNats.url or externalNats.existingSecret is required: every service connects to NATS (FRAISEQL_NATS_URL)" -}}
{{- end -}}
name: {{ $v.externalNats.existingSecret | default $own }}
key: {{ ternary $v.externalNats.existingSecretUrlKey "nats-url" (ne $v.externalNats.existingSecret "") }}
{{- else if eq .ref "export-signing" -}}
name: {{ $v.auth.existingSecret | default $own }}
key: {{ ternary $v.auth.existingSecretExportSigningKey "export-signing-key" (ne $v.auth.existingSecret "") }}
{{- else if eq .ref "sink-database" -}}
name: {{ $v.externalDatabase.existingSecret | default $own }}
key: {{ if $v.externalDatabase.existingSecret }}{{ $v.externalDatabase.existingSecretSinkUrlKey }}{{ else if $v.externalDatabase.sinkUrl }}sink-database-url{{ else }}database-url{{ end }}
{{- else -}}
{{- fail (printf "unknown secret reference %q in secretEnv (use jwt, cursor, database, redis, nats, flight-ticket, flight-database, export-signing or sink-database)" .ref) -}}
{{- end -}}
{{- end -}}

{{/*
"true" when the chart's Secret must hold flight-database-url: flight-server or job-runner is enabled. Context: the root.
*/}}
{{- define "fraiseql.flightDatabaseUsed" -}}
{{- if eq (include "fraiseql.component.isEnabled" .Values.flightServer) "true" -}}true
{{- else if eq (include "fraiseql.component.isEnabled" .Values.jobRunner) "true" -}}true
{{- end -}}
{{- end -}}

{{/*
flight-server's (and job-runner's) PostgreSQL URL: externalDatabase.flightUrl, else externalDatabase.url with the
read-only role fraiseql_flight as user and no password (its password is the operator's: set
flightUrl or externalDatabase.existingSecret). Context: the root.
*/}}
{{- define "fraiseql.flightDatabaseUrl" -}}
{{- $db := .Values.externalDatabase -}}
{{- if $db.flightUrl -}}
{{- $db.flightUrl -}}
{{- else if $db.url -}}
{{- urlJoin (merge (dict "userinfo" "fraiseql_flight") (omit (urlParse $db.url) "userinfo")) -}}
{{- end -}}
{{- end -}}

{{/*
The export store (values `exports`) is shared by the job-runner, which writes export files, and the gateway, which
serves them: "true" for those two while exports.store is set. Context: a component context.
*/}}
{{- define "fraiseql.exports.usedBy" -}}
{{- if .root.Values.exports.store -}}
{{- if has .key (list "gateway" "jobRunner") -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The directory of a `local:` export store ("" for s3://). Fails on a store that is neither, and on a local: store
without exports.persistence.existingClaim: a gateway pod serves what a job-runner pod wrote, so the directory must be
one ReadWriteMany volume. Context: the root.
*/}}
{{- define "fraiseql.exports.localDirectory" -}}
{{- $store := .Values.exports.store | toString | trim -}}
{{- if hasPrefix "local:" $store -}}
{{- $dir := trimPrefix "local:" $store -}}
{{- if not (hasPrefix "/" $dir) -}}
{{- fail (printf "exports.store %q: a local: store needs an absolute directory, e.g. local:/var/lib/fraiseql/exports" $store) -}}
{{- end -}}
{{- if not .Values.exports.persistence.existingClaim -}}
{{- fail (printf "exports.store %q: the job-runner writes the files and the gateway serves them from other pods, so a local: store must be a shared volume: set exports.persistence.existingClaim to a ReadWriteMany PersistentVolumeClaim, or use an s3:// store" $store) -}}
{{- end -}}
{{- $dir -}}
{{- else if not (regexMatch "^s3://[^/]+" $store) -}}
{{- fail (printf "exports.store must be s3://<bucket>[/<prefix>] or local:<absolute directory> (with exports.persistence.existingClaim), got %q" $store) -}}
{{- end -}}
{{- end -}}

{{/*
The sink's dataplane settings for its ConfigMap (values `clickhouse` and `elasticsearch`), as a dict. Fails without
clickhouse.url: the embedded engine the service falls back to has no place in a cluster (docs/deploying.md, "sink").
Context: the root.
*/}}
{{- define "fraiseql.sink.dataplaneConfig" -}}
{{- $ch := .Values.clickhouse | default dict -}}
{{- $es := .Values.elasticsearch | default dict -}}
{{- $url := $ch.url | default "" | toString | trim -}}
{{- if not $url -}}
{{- fail "clickhouse.url is required while the sink is enabled: the HTTP interface of a ClickHouse server, http(s)://host:8123 (or sink.enabled=false). The embedded engine (chdb) is for `npm start` only: each sink replica would hold its own share of the events, and the image does not carry it (docs/deploying.md, section sink)" -}}
{{- end -}}
{{- if not (regexMatch "^https?://[^/:]+" $url) -}}
{{- fail (printf "clickhouse.url must be the HTTP interface of a ClickHouse server, http(s)://host:8123, got %q" $url) -}}
{{- end -}}
{{- $data := dict "FRAISEQL_CLICKHOUSE_URL" $url -}}
{{- with $ch.user }}{{ $_ := set $data "FRAISEQL_CLICKHOUSE_USER" (toString .) }}{{ end -}}
{{- with $ch.database }}{{ $_ := set $data "FRAISEQL_CLICKHOUSE_DATABASE" (toString .) }}{{ end -}}
{{- $esUrl := $es.url | default "" | toString | trim -}}
{{- if $esUrl -}}
{{- if not (regexMatch "^https?://[^/:]+" $esUrl) -}}
{{- fail (printf "elasticsearch.url must be http(s)://host:9200, got %q" $esUrl) -}}
{{- end -}}
{{- $_ := set $data "FRAISEQL_ELASTICSEARCH_URL" $esUrl -}}
{{- with $es.username }}{{ $_ := set $data "FRAISEQL_ELASTICSEARCH_USERNAME" (toString .) }}{{ end -}}
{{- else if or $es.existingSecret $es.username -}}
{{- fail "elasticsearch.existingSecret or elasticsearch.username is set but elasticsearch.url is empty: set the URL (the sink then searches in Elasticsearch), or clear them (PostgreSQL full-text search)" -}}
{{- end -}}
{{- toYaml $data -}}
{{- end -}}

{{/* FRAISEQL_CLICKHOUSE_PASSWORD from clickhouse.existingSecret (flight-server reads the analytics with it). Context: the root. */}}
{{- define "fraiseql.clickhouse.passwordEnv" -}}
{{- $ch := .Values.clickhouse | default dict -}}
{{- if and $ch.url $ch.existingSecret }}
- name: FRAISEQL_CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $ch.existingSecret }}
      key: {{ $ch.secretKey }}
{{- end }}
{{- end -}}

{{/* The sink's env from existing Secrets: the ClickHouse password, the Elasticsearch API key or password. Context: the root. */}}
{{- define "fraiseql.sink.env" -}}
{{- $ch := .Values.clickhouse | default dict -}}
{{- $es := .Values.elasticsearch | default dict -}}
{{- with $ch.existingSecret }}
- name: FRAISEQL_CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $ch.secretKey }}
{{- end }}
{{- if $es.url }}
{{- with $es.existingSecret }}
- name: {{ ternary "FRAISEQL_ELASTICSEARCH_PASSWORD" "FRAISEQL_ELASTICSEARCH_API_KEY" (ne (toString ($es.username | default "")) "") }}
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ ternary $es.passwordSecretKey $es.secretKey (ne (toString ($es.username | default "")) "") }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Env of a component using the export store: the signing key, and the S3 key pair from exports.s3.existingSecret. Context: dict root, own (optional). */}}
{{- define "fraiseql.exports.env" -}}
{{- $x := .root.Values.exports -}}
- name: FRAISEQL_EXPORT_SIGNING_KEY
  valueFrom:
    secretKeyRef: {{- include "fraiseql.secretKeyRef" (dict "root" .root "ref" "export-signing" "own" (.own | default "")) | nindent 6 }}
{{- if and (hasPrefix "s3://" (toString $x.store)) $x.s3.existingSecret }}
- name: FRAISEQL_EXPORT_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ $x.s3.existingSecret }}
      key: {{ $x.s3.existingSecretAccessKeyIdKey }}
- name: FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $x.s3.existingSecret }}
      key: {{ $x.s3.existingSecretSecretAccessKeyKey }}
{{- end }}
{{- end -}}

{{/*
A generated secret value (plain text) that survives upgrades: the value from values if set, else the one already in
the cluster (lookup; empty under `helm template`), else a new random one. Memoized per render (in a map kept in
.Values), so the chart's Secret, the provisioning hook's copy of it and the bundled stores get the same value.
Context: dict root, key, value.
*/}}
{{- define "fraiseql.generatedValue" -}}
{{- if .value -}}
{{- .value | toString -}}
{{- else -}}
{{- include "fraiseql.renderMemo" .root -}}
{{- $cache := index .root.Values "__fraiseqlRenderMemo" -}}
{{- if not (hasKey $cache.generated .key) -}}
{{- $existing := lookup "v1" "Secret" (include "fraiseql.namespace" .root) (include "fraiseql.secretName" .root) | default dict -}}
{{- $found := dig "data" .key "" $existing -}}
{{- $_ := set $cache.generated .key (ternary ($found | b64dec) (randAlphaNum 48) (ne $found "")) -}}
{{- end -}}
{{- index $cache.generated .key -}}
{{- end -}}
{{- end -}}

{{/* The per-render memo map (.Values.__fraiseqlRenderMemo), created on first use. Renders nothing. Context: the root. */}}
{{- define "fraiseql.renderMemo" -}}
{{- if not (hasKey .Values "__fraiseqlRenderMemo") -}}
{{- $_ := set .Values "__fraiseqlRenderMemo" (dict "generated" (dict) "bundledApplied" false) -}}
{{- end -}}
{{- end -}}

{{/* The base64 form of fraiseql.generatedValue (Secret data). Context: dict root, key, value. */}}
{{- define "fraiseql.secretValue" -}}
{{- include "fraiseql.generatedValue" . | b64enc -}}
{{- end -}}

{{/* Bitnami-style resource presets; `resources` wins when set, preset `none` renders nothing. */}}
{{- define "fraiseql.resources" -}}
{{- $presets := dict
  "nano"    (dict "requests" (dict "cpu" "100m" "memory" "128Mi" "ephemeral-storage" "50Mi") "limits" (dict "cpu" "150m" "memory" "192Mi" "ephemeral-storage" "2Gi"))
  "micro"   (dict "requests" (dict "cpu" "250m" "memory" "256Mi" "ephemeral-storage" "50Mi") "limits" (dict "cpu" "375m" "memory" "384Mi" "ephemeral-storage" "2Gi"))
  "small"   (dict "requests" (dict "cpu" "500m" "memory" "512Mi" "ephemeral-storage" "50Mi") "limits" (dict "cpu" "750m" "memory" "768Mi" "ephemeral-storage" "2Gi"))
  "medium"  (dict "requests" (dict "cpu" "500m" "memory" "1024Mi" "ephemeral-storage" "50Mi") "limits" (dict "cpu" "750m" "memory" "1536Mi" "ephemeral-storage" "2Gi"))
  "large"   (dict "requests" (dict "cpu" "1.0" "memory" "2048Mi" "ephemeral-storage" "50Mi") "limits" (dict "cpu" "1.5" "memory" "3072Mi" "ephemeral-storage" "2Gi"))
  "xlarge"  (dict "requests" (dict "cpu" "1.0" "memory" "3072Mi" "ephemeral-storage" "50Mi") "limits" (dict "cpu" "3.0" "memory" "6144Mi" "ephemeral-storage" "2Gi"))
  "2xlarge" (dict "requests" (dict "cpu" "1.0" "memory" "3072Mi" "ephemeral-storage" "50Mi") "limits" (dict "cpu" "6.0" "memory" "12288Mi" "ephemeral-storage" "2Gi"))
-}}
{{- if .values.resources -}}
{{- toYaml .values.resources -}}
{{- else if and .values.resourcesPreset (ne .values.resourcesPreset "none") -}}
{{- if not (hasKey $presets .values.resourcesPreset) -}}
{{- fail (printf "%s.resourcesPreset %q is not one of: %s, none" .key .values.resourcesPreset (join ", " (keys $presets | sortAlpha))) -}}
{{- end -}}
{{- toYaml (index $presets .values.resourcesPreset) -}}
{{- end -}}
{{- end -}}

{{/* Pod anti-affinity preset (soft | hard) spreading replicas of one component across nodes. */}}
{{- define "fraiseql.affinity" -}}
{{- if .values.affinity -}}
{{- include "fraiseql.tplvalues.render" (dict "value" .values.affinity "context" .root) -}}
{{- else if eq (toString .values.podAntiAffinityPreset) "soft" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 1
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels: {{- include "fraiseql.labels.matchLabels" . | nindent 12 }}
{{- else if eq (toString .values.podAntiAffinityPreset) "hard" -}}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels: {{- include "fraiseql.labels.matchLabels" . | nindent 10 }}
{{- end -}}
{{- end -}}

{{/* One probe on the ops port. Context: dict c (component context), probe ("livenessProbe"), custom. */}}
{{- define "fraiseql.probe" -}}
{{- $custom := index .c.values .custom -}}
{{- $probe := index .c.values .probe | default dict -}}
{{- if $custom }}
{{ .probe }}: {{- include "fraiseql.tplvalues.render" (dict "value" $custom "context" .c.root) | nindent 2 }}
{{- else if $probe.enabled }}
{{ .probe }}:
  httpGet:
    path: {{ $probe.path | default "/healthz" }}
    port: ops
  {{- with (omit $probe "enabled" "path") }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Name of a bundled store's objects: <fullname>-<store>, the fullname shortened so that the StatefulSet stays within
52 characters (its pods' controller-revision-hash label) and <name>-headless within 63. Context: dict root, store. */}}
{{- define "fraiseql.bundled.fullname" -}}
{{- printf "%s-%s" (include "fraiseql.fullname" .root | trunc (int (sub 51 (len .store))) | trimSuffix "-") .store -}}
{{- end -}}

{{/*
Points the services at the bundled stores (values `bundled`): for each enabled one, rewrites the values the templates
read (externalNats.url, externalDatabase.url/flightUrl, externalRedis.url and their existingSecret, clickhouse.*,
elasticsearch.*) to it, once per render (the memo's bundledApplied flag). Every template that reads those values
includes it first (component init, secret.yaml, NOTES.txt, the bundled/ and provisioning templates). Renders nothing.
Context: the root.
*/}}
{{- define "fraiseql.bundled.apply" -}}
{{- include "fraiseql.renderMemo" . -}}
{{- $memo := index .Values "__fraiseqlRenderMemo" -}}
{{- if not $memo.bundledApplied -}}
{{- $_ := set $memo "bundledApplied" true -}}
{{- $b := .Values.bundled | default dict -}}
{{- $own := include "fraiseql.secretName" . -}}
{{- if dig "nats" "enabled" false $b -}}
{{- $_ := set .Values.externalNats "url" (printf "nats://%s:4222" (include "fraiseql.bundled.fullname" (dict "root" . "store" "nats"))) -}}
{{- $_ := set .Values.externalNats "existingSecret" "" -}}
{{- $servers := int $b.nats.replicaCount -}}
{{- if and (gt $servers 1) (lt $servers 3) -}}
{{- fail (printf "bundled.nats.replicaCount %d: a JetStream cluster needs 3 or more servers (RAFT majority), or 1" $servers) -}}
{{- end -}}
{{- if gt (int .Values.jetstream.replicas) $servers -}}
{{- fail (printf "jetstream.replicas (%d) exceeds bundled.nats.replicaCount (%d): a stream cannot have more replicas than there are servers" (int .Values.jetstream.replicas) $servers) -}}
{{- end -}}
{{- end -}}
{{- if dig "postgresql" "enabled" false $b -}}
{{- $host := printf "%s:5432" (include "fraiseql.bundled.fullname" (dict "root" . "store" "postgresql")) -}}
{{- $db := $b.postgresql.database | default "fraiseql" -}}
{{- $pw := include "fraiseql.generatedValue" (dict "root" . "key" "postgresql-password" "value" $b.postgresql.auth.password) -}}
{{- $flightPw := include "fraiseql.generatedValue" (dict "root" . "key" "postgresql-flight-password" "value" $b.postgresql.auth.flightPassword) -}}
{{- $_ := set .Values.externalDatabase "url" (printf "postgres://postgres:%s@%s/%s" (urlquery $pw) $host $db) -}}
{{- $_ := set .Values.externalDatabase "flightUrl" (printf "postgres://fraiseql_flight:%s@%s/%s" (urlquery $flightPw) $host $db) -}}
{{- $_ := set .Values.externalDatabase "existingSecret" "" -}}
{{- end -}}
{{- if dig "redis" "enabled" false $b -}}
{{- $pw := include "fraiseql.generatedValue" (dict "root" . "key" "redis-password" "value" $b.redis.auth.password) -}}
{{- $_ := set .Values.externalRedis "url" (printf "redis://:%s@%s:6379" (urlquery $pw) (include "fraiseql.bundled.fullname" (dict "root" . "store" "redis"))) -}}
{{- $_ := set .Values.externalRedis "existingSecret" "" -}}
{{- end -}}
{{- if dig "clickhouse" "enabled" false $b -}}
{{- $_ := include "fraiseql.generatedValue" (dict "root" . "key" "clickhouse-password" "value" $b.clickhouse.auth.password) -}}
{{- $_ := set .Values.clickhouse "url" (printf "http://%s:8123" (include "fraiseql.bundled.fullname" (dict "root" . "store" "clickhouse"))) -}}
{{- $_ := set .Values.clickhouse "user" $b.clickhouse.auth.username -}}
{{- $_ := set .Values.clickhouse "existingSecret" $own -}}
{{- $_ := set .Values.clickhouse "secretKey" "clickhouse-password" -}}
{{- end -}}
{{- if dig "elasticsearch" "enabled" false $b -}}
{{- $_ := include "fraiseql.generatedValue" (dict "root" . "key" "elasticsearch-password" "value" $b.elasticsearch.auth.password) -}}
{{- $_ := set .Values.elasticsearch "url" (printf "http://%s:9200" (include "fraiseql.bundled.fullname" (dict "root" . "store" "elasticsearch"))) -}}
{{- $_ := set .Values.elasticsearch "username" "elastic" -}}
{{- $_ := set .Values.elasticsearch "existingSecret" $own -}}
{{- $_ := set .Values.elasticsearch "passwordSecretKey" "elasticsearch-password" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "true" while any bundled store is enabled. Context: the root. */}}
{{- define "fraiseql.bundled.any" -}}
{{- $any := false -}}
{{- range $name, $store := .Values.bundled | default dict -}}
{{- if kindIs "map" $store }}{{ if $store.enabled }}{{ $any = true }}{{ end }}{{ end -}}
{{- end -}}
{{- if $any }}true{{ end -}}
{{- end -}}

{{/* Image of a bundled store: global.imageRegistry > its image.registry. Context: dict root, image. */}}
{{- define "fraiseql.bundled.image" -}}
{{- $registry := .root.Values.global.imageRegistry | default .image.registry -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" $registry .image.repository (toString .image.tag) -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (toString .image.tag) -}}
{{- end -}}
{{- end -}}

{{/* A "component context" of a bundled store (labels, names, resources): name nats -> <fullname>-nats. Context: dict root, store. */}}
{{- define "fraiseql.bundled.context" -}}
{{- $values := index .root.Values.bundled .store -}}
{{- $_ := set .out "root" .root -}}
{{- $_ := set .out "key" (printf "bundled.%s" .store) -}}
{{- $_ := set .out "name" .store -}}
{{- $_ := set .out "values" $values -}}
{{- end -}}

{{/*
The TCP port of a URL: its explicit port, else the scheme's default (`defaults`: scheme -> port), else `fallback`.
Context: dict url, defaults, fallback.
*/}}
{{- define "fraiseql.urlPort" -}}
{{- $url := .url | default "" | toString | trim -}}
{{- $m := regexFind "^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#@]*@)?(\\[[^]]*\\]|[^/?#:]*)(:[0-9]+)?" $url -}}
{{- $port := regexFind ":[0-9]+$" $m | trimPrefix ":" -}}
{{- if $port -}}
{{- $port -}}
{{- else -}}
{{- $scheme := regexFind "^[a-zA-Z][a-zA-Z0-9+.-]*" $url | lower -}}
{{- index (.defaults | default dict) $scheme | default .fallback -}}
{{- end -}}
{{- end -}}

{{/* The host of a URL ("" if none). Context: the URL string. */}}
{{- define "fraiseql.urlHost" -}}
{{- $m := regexFind "^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#@]*@)?(\\[[^]]*\\]|[^/?#:]*)" (toString .) -}}
{{- regexReplaceAll "^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#@]*@)?" $m "" -}}
{{- end -}}

{{/* Topology spread constraints: the block's own, else the preset (soft | hard). Context: a component context. */}}
{{- define "fraiseql.topologySpread" -}}
{{- if .values.topologySpreadConstraints -}}
{{- include "fraiseql.tplvalues.render" (dict "value" .values.topologySpreadConstraints "context" .root) -}}
{{- else if has (toString .values.topologySpreadPreset) (list "soft" "hard") -}}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels: {{- include "fraiseql.labels.matchLabels" . | nindent 6 }}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: {{ ternary "DoNotSchedule" "ScheduleAnyway" (eq (toString .values.topologySpreadPreset) "hard") }}
  labelSelector:
    matchLabels: {{- include "fraiseql.labels.matchLabels" . | nindent 6 }}
{{- else if .values.topologySpreadPreset -}}
{{- fail (printf "%s.topologySpreadPreset must be soft, hard or empty, got %q" .key (toString .values.topologySpreadPreset)) -}}
{{- end -}}
{{- end -}}

{{/*
The autoscaler owning a component's replicas: "hpa", "keda" or "". Fails when both are enabled. Context: a component
context.
*/}}
{{- define "fraiseql.autoscaler" -}}
{{- $a := .values.autoscaling | default dict -}}
{{- $hpa := dig "hpa" "enabled" false $a -}}
{{- $keda := dig "keda" "enabled" false $a -}}
{{- if and $hpa $keda -}}
{{- fail (printf "%s: autoscaling.hpa.enabled and autoscaling.keda.enabled are both true; KEDA creates an HPA of its own, enable one of them" .key) -}}
{{- else if $hpa -}}hpa
{{- else if $keda -}}keda
{{- end -}}
{{- end -}}

{{/* The fewest replicas a component runs: the autoscaler's minReplicas, else replicaCount. Context: a component context. */}}
{{- define "fraiseql.minReplicas" -}}
{{- $scaler := include "fraiseql.autoscaler" . -}}
{{- if $scaler -}}
{{- index (index .values.autoscaling $scaler) "minReplicas" | int -}}
{{- else -}}
{{- .values.replicaCount | int -}}
{{- end -}}
{{- end -}}
