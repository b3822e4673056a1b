{{/*
Shared pieces of the bundled stores (values `bundled`, templates/bundled/*.yaml). Context of each: dict root, store
(nats, postgresql, ...), and for some: port list, uid.
*/}}

{{/* The two Services of a bundled store: `<fullname>-<store>` for clients, `<fullname>-<store>-headless` for pod identities. Context: dict root, store, ports (list of dict name port), publishNotReady. */}}
{{- define "fraiseql.bundled.services" -}}
{{- $c := dict "root" .root "name" .store -}}
{{- $full := include "fraiseql.bundled.fullname" (dict "root" .root "store" .store) -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ $full }}-headless
  namespace: {{ include "fraiseql.namespace" .root | quote }}
  labels: {{- include "fraiseql.labels.standard" $c | nindent 4 }}
spec:
  type: ClusterIP
  clusterIP: None
  publishNotReadyAddresses: {{ .publishNotReady | default false }}
  ports:
    {{- range .ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: TCP
    {{- end }}
  selector: {{- include "fraiseql.labels.matchLabels" $c | nindent 4 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $full }}
  namespace: {{ include "fraiseql.namespace" .root | quote }}
  labels: {{- include "fraiseql.labels.standard" $c | nindent 4 }}
spec:
  type: ClusterIP
  ports:
    {{- range .ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: TCP
    {{- end }}
  selector: {{- include "fraiseql.labels.matchLabels" $c | nindent 4 }}
{{- end -}}

{{/* StatefulSet metadata + the spec head (replicas, serviceName, selector). Context: dict root, store, replicas. */}}
{{- define "fraiseql.bundled.statefulsetHead" -}}
{{- $c := dict "root" .root "name" .store -}}
{{- $full := include "fraiseql.bundled.fullname" (dict "root" .root "store" .store) -}}
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ $full }}
  namespace: {{ include "fraiseql.namespace" .root | quote }}
  labels: {{- include "fraiseql.labels.standard" $c | nindent 4 }}
  {{- with include "fraiseql.annotations" (dict "root" .root) }}
  annotations: {{- . | nindent 4 }}
  {{- end }}
spec:
  replicas: {{ .replicas | default 1 }}
  serviceName: {{ $full }}-headless
  podManagementPolicy: Parallel
  updateStrategy:
    type: RollingUpdate
  selector:
    matchLabels: {{- include "fraiseql.labels.matchLabels" $c | nindent 6 }}
{{- end -}}

{{/* Pod-level fields shared by the stores: pull secrets, security context (uid/gid/fsGroup). Context: dict root, uid, gid. */}}
{{- define "fraiseql.bundled.podSpecHead" -}}
automountServiceAccountToken: false
{{- with include "fraiseql.imagePullSecrets" (dict "root" .root "values" dict) }}
{{ . | trim }}
{{- end }}
securityContext:
  runAsUser: {{ .uid }}
  runAsGroup: {{ .gid | default .uid }}
  runAsNonRoot: true
  fsGroup: {{ .gid | default .uid }}
  fsGroupChangePolicy: OnRootMismatch
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Container security context of the stores: non-root, no privilege escalation, no capabilities. Context: dict readOnlyRootFilesystem. */}}
{{- define "fraiseql.bundled.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: {{ .readOnlyRootFilesystem }}
capabilities:
  drop: ['ALL']
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* volumeClaimTemplates with one `data` claim. Context: dict root, persistence. */}}
{{- define "fraiseql.bundled.volumeClaimTemplates" -}}
volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: ['ReadWriteOnce']
      {{- with .persistence.storageClass }}
      storageClassName: {{ if eq . "-" }}""{{ else }}{{ . | quote }}{{ end }}
      {{- end }}
      resources:
        requests:
          storage: {{ .persistence.size | quote }}
{{- end -}}

{{/* resources of a store container (its resources, else its preset). Context: dict store, values. */}}
{{- define "fraiseql.bundled.resources" -}}
{{- include "fraiseql.resources" (dict "key" (printf "bundled.%s" .store) "values" .values) -}}
{{- end -}}
