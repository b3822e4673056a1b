{{/*
The data (key -> base64) of the chart's Secret, as YAML: JWT/cursor/Flight ticket/export signing secrets and
dependency URLs (PostgreSQL: the owner's, flight-server's and job-runner's read-only role, the sink's; Redis; NATS), for
each one not provided by an existing Secret (auth.existingSecret, externalDatabase.existingSecret,
externalRedis.existingSecret, externalNats.existingSecret), and the passwords of the bundled stores. secret.yaml renders
it, and so does the provisioning hook's copy. Context: the root.
*/}}
{{- define "fraiseql.secret.data" -}}
{{- include "fraiseql.bundled.apply" . -}}
{{- $v := .Values -}}
{{- $flight := eq (include "fraiseql.component.isEnabled" $v.flightServer) "true" }}
{{- $readOnlyDatabase := eq (include "fraiseql.flightDatabaseUsed" $) "true" }}
{{- $data := dict }}
{{- if not $v.auth.existingSecret }}
{{- $_ := set $data "jwt-secret" (include "fraiseql.secretValue" (dict "root" $ "key" "jwt-secret" "value" $v.auth.jwtSecret)) }}
{{- if and $v.auth.cursorSecret (lt (len (toString $v.auth.cursorSecret)) 32) (eq (include "fraiseql.component.isEnabled" $v.sink) "true") }}
{{- /* The sink signs search cursors with it too, and its config wants at least 32 characters. */}}
{{- fail "auth.cursorSecret must be at least 32 characters while the sink is enabled (or empty: generated and kept across upgrades)" }}
{{- end }}
{{- $_ := set $data "cursor-secret" (include "fraiseql.secretValue" (dict "root" $ "key" "cursor-secret" "value" $v.auth.cursorSecret)) }}
{{- if $flight }}
{{- /* Flight tickets are issued by one replica and redeemed by another: one secret for all, kept on upgrade. */}}
{{- if and $v.auth.flightTicketSecret (lt (len (toString $v.auth.flightTicketSecret)) 32) }}
{{- fail "auth.flightTicketSecret must be at least 32 bytes (or empty: generated and kept across upgrades)" }}
{{- end }}
{{- $_ := set $data "flight-ticket-secret" (include "fraiseql.secretValue" (dict "root" $ "key" "flight-ticket-secret" "value" $v.auth.flightTicketSecret)) }}
{{- end }}
{{- if $v.exports.store }}
{{- /* The job-runner signs export download links, any gateway replica verifies them: one key for both, kept on upgrade. */}}
{{- if and $v.auth.exportSigningKey (lt (len (toString $v.auth.exportSigningKey)) 32) }}
{{- fail "auth.exportSigningKey must be at least 32 bytes (or empty: generated and kept across upgrades)" }}
{{- end }}
{{- $_ := set $data "export-signing-key" (include "fraiseql.secretValue" (dict "root" $ "key" "export-signing-key" "value" $v.auth.exportSigningKey)) }}
{{- end }}
{{- end }}
{{- if not $v.externalDatabase.existingSecret }}
{{- if $v.externalDatabase.url }}
{{- $_ := set $data "database-url" ($v.externalDatabase.url | b64enc) }}
{{- end }}
{{- if $readOnlyDatabase }}
{{- with include "fraiseql.flightDatabaseUrl" $ }}
{{- $_ := set $data "flight-database-url" (. | b64enc) }}
{{- end }}
{{- end }}
{{- if and $v.externalDatabase.sinkUrl (eq (include "fraiseql.component.isEnabled" $v.sink) "true") }}
{{- $_ := set $data "sink-database-url" ($v.externalDatabase.sinkUrl | b64enc) }}
{{- end }}
{{- end }}
{{- if and (not $v.externalRedis.existingSecret) $v.externalRedis.url }}
{{- $_ := set $data "redis-url" ($v.externalRedis.url | b64enc) }}
{{- end }}
{{- if and (not $v.externalNats.existingSecret) $v.externalNats.url }}
{{- $_ := set $data "nats-url" ($v.externalNats.url | b64enc) }}
{{- end }}
{{- $b := $v.bundled | default dict }}
{{- if dig "postgresql" "enabled" false $b }}
{{- $_ := set $data "postgresql-password" (include "fraiseql.secretValue" (dict "root" $ "key" "postgresql-password" "value" $b.postgresql.auth.password)) }}
{{- $_ := set $data "postgresql-flight-password" (include "fraiseql.secretValue" (dict "root" $ "key" "postgresql-flight-password" "value" $b.postgresql.auth.flightPassword)) }}
{{- end }}
{{- if dig "redis" "enabled" false $b }}
{{- $_ := set $data "redis-password" (include "fraiseql.secretValue" (dict "root" $ "key" "redis-password" "value" $b.redis.auth.password)) }}
{{- end }}
{{- if dig "clickhouse" "enabled" false $b }}
{{- $_ := set $data "clickhouse-password" (include "fraiseql.secretValue" (dict "root" $ "key" "clickhouse-password" "value" $b.clickhouse.auth.password)) }}
{{- end }}
{{- if dig "elasticsearch" "enabled" false $b }}
{{- $_ := set $data "elasticsearch-password" (include "fraiseql.secretValue" (dict "root" $ "key" "elasticsearch-password" "value" $b.elasticsearch.auth.password)) }}
{{- end }}
{{- if $data }}
{{- toYaml $data }}
{{- end }}
{{- end -}}
