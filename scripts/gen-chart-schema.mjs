#!/usr/bin/env node
// Writes helm/fraiseql/values.schema.json (JSON Schema draft-07, validated by helm on install, upgrade, template and
// lint): the types, closed sets, ranges and URL/duration patterns of every chart value are declared below; each
// property's `description` is taken from the `## @param` comment of that value in values.yaml (a service block's keys
// inherit componentDefaults' descriptions). Run through scripts/gen-chart-readme.sh, which also regenerates README.md;
// test/packaging/chart-values-docs.test.ts fails when the committed file differs from what this writes.
// Usage: node scripts/gen-chart-schema.mjs [values.yaml] [values.schema.json]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VALUES = path.resolve(process.argv[2] ?? path.join(ROOT, 'helm/fraiseql/values.yaml'));
const OUT = path.resolve(process.argv[3] ?? path.join(ROOT, 'helm/fraiseql/values.schema.json'));
const desc = {};
for (const line of fs.readFileSync(VALUES, 'utf8').split('\n')) {
  const m = /^\s*## @(?:param|extra) (\S+)\s*(\[.*?\])?\s*(.*)$/.exec(line);
  if (m) desc[m[1]] = m[3].trim();
}
const used = new Set();
// Attach descriptions by dotted path (service blocks inherit componentDefaults.* descriptions).
function annotate(node, path) {
  if (!node || typeof node !== 'object') return node;
  // A service block's key: its own @param, else componentDefaults' (same key), else the top-level one (image.tag).
  const rest = path.split('.').slice(1).join('.');
  const d = desc[path] ?? (rest ? (desc[`componentDefaults.${rest}`] ?? desc[rest]) : undefined);
  if (d && !node.description) {
    node.description = d;
    used.add(path);
  }
  if (node.properties) for (const [k, v] of Object.entries(node.properties)) annotate(v, path ? `${path}.${k}` : k);
  return node;
}
const str = (extra = {}) => ({ type: 'string', ...extra });
const bool = () => ({ type: 'boolean' });
const int = (min, max) => ({
  type: 'integer',
  ...(min !== undefined ? { minimum: min } : {}),
  ...(max !== undefined ? { maximum: max } : {}),
});
const intOrEmpty = (min, max) => ({
  type: ['integer', 'string'],
  ...(min !== undefined ? { minimum: min } : {}),
  ...(max !== undefined ? { maximum: max } : {}),
  pattern: '^[0-9]*$',
});
const enumOf = (...values) => ({ type: 'string', enum: values });
const port = () => int(1, 65535);
const duration = () => ({ type: ['integer', 'string'], minimum: 0, pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)?$' });
const promDuration = () => str({ pattern: '^$|^([0-9]+(ms|s|m|h|d|w|y))+$' });
const intOrPercent = () => ({ type: ['integer', 'string'], minimum: 0, pattern: '^$|^[0-9]+%?$' });
const labels = () => ({ type: 'object', additionalProperties: { type: 'string' } });
const openMap = () => ({ type: 'object' });
const list = (items) => ({ type: 'array', ...(items ? { items } : {}) });
const url = (schemes, empty = false) => str({ pattern: `${empty ? '^$|' : ''}^(${schemes.join('|')})://[^\\s]+$` });
const obj = (properties, extra = {}) => ({ type: 'object', additionalProperties: false, properties, ...extra });
const PRESETS = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge', 'none'];
const resources = () => obj({ limits: openMap(), requests: openMap(), claims: list() });
const imageOfStore = () => obj({ registry: str(), repository: str({ minLength: 1 }), tag: str() });
const probe = () =>
  obj({
    enabled: bool(),
    path: str({ pattern: '^/' }),
    initialDelaySeconds: int(0),
    periodSeconds: int(1),
    timeoutSeconds: int(1),
    failureThreshold: int(1),
    successThreshold: int(1),
  });
const seccomp = () => obj({ type: enumOf('RuntimeDefault', 'Localhost', 'Unconfined'), localhostProfile: str() });

const component = {
  replicaCount: int(0),
  revisionHistoryLimit: int(0),
  updateStrategy: obj({
    type: enumOf('RollingUpdate', 'Recreate'),
    rollingUpdate: obj({ maxSurge: intOrPercent(), maxUnavailable: intOrPercent() }),
  }),
  resourcesPreset: enumOf(...PRESETS),
  resources: resources(),
  podSecurityContext: {
    type: 'object',
    properties: { enabled: bool(), fsGroup: int(0), fsGroupChangePolicy: enumOf('OnRootMismatch', 'Always'), seccompProfile: seccomp() },
  },
  containerSecurityContext: {
    type: 'object',
    properties: {
      enabled: bool(),
      runAsUser: int(0),
      runAsGroup: int(0),
      runAsNonRoot: bool(),
      readOnlyRootFilesystem: bool(),
      allowPrivilegeEscalation: bool(),
      privileged: bool(),
      capabilities: obj({ drop: list(str()), add: list(str()) }),
      seccompProfile: seccomp(),
    },
  },
  livenessProbe: probe(),
  readinessProbe: probe(),
  startupProbe: probe(),
  customLivenessProbe: openMap(),
  customReadinessProbe: openMap(),
  customStartupProbe: openMap(),
  terminationGracePeriodSeconds: int(0),
  lifecycleHooks: openMap(),
  logLevel: enumOf('', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'),
  config: { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
  secretEnv: {
    type: 'object',
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    additionalProperties: enumOf(
      'jwt',
      'cursor',
      'database',
      'redis',
      'flight-ticket',
      'flight-database',
      'sink-database',
      'export-signing',
    ),
  },
  settings: { type: 'object', additionalProperties: { type: ['string', 'integer', 'number', 'boolean'] } },
  extraEnvVars: list({ type: 'object', required: ['name'] }),
  extraEnvVarsCM: str(),
  extraEnvVarsSecret: str(),
  extraVolumes: list({ type: 'object' }),
  extraVolumeMounts: list({ type: 'object' }),
  command: list(str()),
  args: list(str()),
  podLabels: labels(),
  podAnnotations: labels(),
  podAntiAffinityPreset: enumOf('', 'soft', 'hard'),
  affinity: openMap(),
  nodeSelector: labels(),
  tolerations: list({ type: 'object' }),
  topologySpreadConstraints: list({ type: 'object' }),
  topologySpreadPreset: enumOf('', 'soft', 'hard'),
  priorityClassName: str(),
  service: obj({
    type: enumOf('ClusterIP', 'NodePort', 'LoadBalancer'),
    ports: { type: 'object', additionalProperties: port() },
    appProtocols: { type: 'object', additionalProperties: str() },
    nodePorts: {
      type: 'object',
      additionalProperties: { type: ['integer', 'string'], minimum: 30000, maximum: 32767, pattern: '^$|^[0-9]+$' },
    },
    clusterIP: str(),
    loadBalancerIP: str(),
    loadBalancerSourceRanges: list(str()),
    externalTrafficPolicy: enumOf('Cluster', 'Local'),
    annotations: labels(),
    sessionAffinity: enumOf('None', 'ClientIP'),
  }),
  pdb: obj({ create: bool(), minAvailable: intOrPercent(), maxUnavailable: intOrPercent() }),
  autoscaling: obj({
    hpa: obj({
      enabled: bool(),
      minReplicas: int(1),
      maxReplicas: int(1),
      targetCPU: intOrEmpty(1, 100),
      targetMemory: intOrEmpty(1, 100),
    }),
    keda: obj({
      enabled: bool(),
      minReplicas: int(0),
      maxReplicas: int(1),
      pollingInterval: int(1),
      cooldownPeriod: int(0),
      lagThreshold: int(1),
      activationLagThreshold: int(0),
      queueDepthThreshold: int(1),
      targetCPU: int(1, 100),
      extraTriggers: list({ type: 'object' }),
      fallback: openMap(),
      advanced: openMap(),
    }),
  }),
  networkPolicy: obj({ extraIngress: list({ type: 'object' }), extraEgress: list({ type: 'object' }) }),
};
const blockKeys = {
  enabled: bool(),
  image: obj({
    registry: str(),
    repository: str({ minLength: 1 }),
    tag: { type: ['string', 'number'] },
    digest: str({ pattern: '^$|^sha256:[a-f0-9]{64}$' }),
    pullPolicy: enumOf('Always', 'IfNotPresent', 'Never', ''),
    pullSecrets: list(),
  }),
  envPrefix: str({ pattern: '^[A-Z][A-Z0-9_]*$' }),
  containerPorts: { type: 'object', properties: { ops: port() }, additionalProperties: port() },
};
const service = (settings, extra = {}) =>
  obj({
    ...structuredClone(component),
    ...structuredClone(blockKeys),
    ...(settings
      ? { settings: { type: 'object', properties: settings, additionalProperties: { type: ['string', 'integer', 'number', 'boolean'] } } }
      : {}),
    ...extra,
  });
const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Values of the FraiseQL Helm chart',
  description:
    'Checked by helm on install, upgrade, template and lint (generated by scripts/gen-chart-schema.mjs from the ## @param comments of values.yaml). Any further top-level map is a service block (it needs containerPorts.ops: the templates check that).',
  type: 'object',
  properties: {
    global: obj({ imageRegistry: str(), imagePullSecrets: list({ type: ['string', 'object'] }) }),
    nameOverride: str({ pattern: '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }),
    fullnameOverride: str({ pattern: '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }),
    namespaceOverride: str({ pattern: '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }),
    commonLabels: labels(),
    commonAnnotations: labels(),
    clusterDomain: str({ minLength: 1 }),
    image: obj({
      registry: str(),
      tag: { type: ['string', 'number'] },
      digest: str({ pattern: '^$|^sha256:[a-f0-9]{64}$' }),
      pullPolicy: enumOf('Always', 'IfNotPresent', 'Never'),
      pullSecrets: list({ type: ['string', 'object'] }),
    }),
    config: obj({
      env: enumOf('production', 'development', 'test'),
      logLevel: enumOf('fatal', 'error', 'warn', 'info', 'debug', 'trace'),
      schemaSource: str({ pattern: '^kv$|^/' }),
      extra: { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
    }),
    otel: obj({
      enabled: bool(),
      exporterOtlpEndpoint: url(['http', 'https'], true),
      resourceAttributes: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    }),
    authentication: obj({
      oidcIssuer: url(['https', 'http'], true),
      jwksUrl: url(['https', 'http'], true),
      issuer: str(),
      audience: str(),
      algorithms: str({ pattern: '^$|^[A-Za-z0-9]+(,\\s*[A-Za-z0-9]+)*$' }),
      orgClaim: str(),
      rolesClaim: str(),
      orgsClaim: str(),
      apiKeys: { type: ['string', 'boolean'], pattern: '^$|^(true|false)$' },
    }),
    auth: obj({
      jwtSecret: str(),
      cursorSecret: str(),
      flightTicketSecret: str(),
      exportSigningKey: str(),
      existingSecret: str(),
      existingSecretJwtKey: str({ minLength: 1 }),
      existingSecretCursorKey: str({ minLength: 1 }),
      existingSecretFlightTicketKey: str({ minLength: 1 }),
      existingSecretExportSigningKey: str({ minLength: 1 }),
    }),
    externalDatabase: obj({
      url: url(['postgres', 'postgresql'], true),
      flightUrl: url(['postgres', 'postgresql'], true),
      sinkUrl: url(['postgres', 'postgresql'], true),
      existingSecret: str(),
      existingSecretUrlKey: str({ minLength: 1 }),
      existingSecretFlightUrlKey: str({ minLength: 1 }),
      existingSecretSinkUrlKey: str({ minLength: 1 }),
    }),
    externalNats: obj({
      // Empty only with existingSecret (the templates fail on neither).
      url: str({ pattern: '^$|^(nats|tls|ws|wss)://[^\\s,]+(,\\s*(nats|tls|ws|wss)://[^\\s,]+)*$' }),
      existingSecret: str(),
      existingSecretUrlKey: str({ minLength: 1 }),
    }),
    jetstream: obj({ replicas: int(1, 5), events: obj({ maxAge: duration(), maxBytes: int(-1) }) }),
    externalRedis: obj({ url: url(['redis', 'rediss'], true), existingSecret: str(), existingSecretUrlKey: str({ minLength: 1 }) }),
    clickhouse: obj({
      url: str(),
      user: str(),
      database: str({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
      existingSecret: str(),
      secretKey: str({ minLength: 1 }),
    }),
    elasticsearch: obj({
      url: url(['http', 'https'], true),
      existingSecret: str(),
      secretKey: str({ minLength: 1 }),
      username: str(),
      passwordSecretKey: str({ minLength: 1 }),
    }),
    exports: obj({
      store: str({ pattern: '^$|^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$|^local:/' }),
      linkTtlMs: intOrEmpty(1),
      s3: obj({
        endpoint: url(['http', 'https'], true),
        region: str(),
        forcePathStyle: { type: ['string', 'boolean'], pattern: '^$|^(true|false)$' },
        partSizeMb: intOrEmpty(5, 512),
        existingSecret: str(),
        existingSecretAccessKeyIdKey: str({ minLength: 1 }),
        existingSecretSecretAccessKeyKey: str({ minLength: 1 }),
      }),
      persistence: obj({ existingClaim: str() }),
    }),
    serviceAccount: obj({ create: bool(), name: str(), annotations: labels(), automountServiceAccountToken: bool() }),
    metrics: obj({
      podAnnotations: obj({ enabled: bool(), path: str({ pattern: '^/' }) }),
      serviceMonitor: obj({
        enabled: bool(),
        namespace: str(),
        interval: promDuration(),
        scrapeTimeout: promDuration(),
        labels: labels(),
        annotations: labels(),
        jobLabel: str(),
        honorLabels: bool(),
        relabelings: list({ type: 'object' }),
        metricRelabelings: list({ type: 'object' }),
      }),
      prometheusRule: obj({
        enabled: bool(),
        namespace: str(),
        labels: labels(),
        additionalGroups: list({ type: 'object', required: ['name', 'rules'] }),
      }),
      dashboards: obj({
        enabled: bool(),
        namespace: str(),
        labels: labels(),
        folder: str(),
        folderAnnotation: str({ minLength: 1 }),
        annotations: labels(),
      }),
    }),
    networkPolicy: obj({
      enabled: bool(),
      allowExternal: bool(),
      ingressNSMatchLabels: labels(),
      ingressNSPodMatchLabels: labels(),
      metrics: obj({ namespaceSelector: openMap(), podSelector: openMap() }),
      kubeDNS: obj({ namespaceSelector: openMap(), podSelector: openMap() }),
      allowExternalEgress: bool(),
      extraIngress: list({ type: 'object' }),
      extraEgress: list({ type: 'object' }),
    }),
    keda: obj({
      nats: obj({ monitoringEndpoint: str({ pattern: '^$|^[^\\s:/]+:[0-9]{1,5}$' }), account: str({ minLength: 1 }), useHttps: bool() }),
      prometheus: obj({ serverAddress: url(['http', 'https'], true), query: str() }),
    }),
    provisioning: obj({
      enabled: bool(),
      hooks: str({ pattern: '^$|^(pre|post)-(install|upgrade|rollback|delete)(,(pre|post)-(install|upgrade|rollback|delete))*$' }),
      hookWeight: { type: ['integer', 'string'], pattern: '^-?[0-9]+$' },
      backoffLimit: int(0),
      activeDeadlineSeconds: int(1),
      services: list(str({ pattern: '^[a-z][A-Za-z0-9]*$' })),
      args: list(str()),
      resourcesPreset: enumOf(...PRESETS),
      resources: resources(),
      podLabels: labels(),
      podAnnotations: labels(),
      nodeSelector: labels(),
      tolerations: list({ type: 'object' }),
    }),
    bundled: obj(
      Object.fromEntries(
        ['nats', 'postgresql', 'redis', 'clickhouse', 'elasticsearch'].map((store) => {
          const p = {
            enabled: bool(),
            image: imageOfStore(),
            persistence: obj({ size: str({ pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$' }), storageClass: str() }),
            resourcesPreset: enumOf(...PRESETS),
            resources: resources(),
          };
          if (store === 'nats') p.replicaCount = int(1);
          if (store === 'postgresql') {
            p.database = str({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
            p.auth = obj({ password: str(), flightPassword: str() });
          }
          if (store === 'redis') {
            p.auth = obj({ password: str() });
            p.maxmemory = str({ pattern: '^$|^[0-9]+(b|k|kb|m|mb|g|gb)?$' });
          }
          if (store === 'clickhouse') p.auth = obj({ username: str({ minLength: 1 }), password: str() });
          if (store === 'elasticsearch') {
            p.auth = obj({ password: str() });
            p.heapSize = str({ pattern: '^[0-9]+[kmgKMG]$' });
          }
          return [store, obj(p)];
        }),
      ),
    ),
    componentDefaults: obj(structuredClone(component)),
    gateway: service(null),
    queryExecutor: service(null, {
      relay: obj({
        enabled: bool(),
        batchSize: int(1),
        maxInFlight: int(1),
        pollInterval: duration(),
        publishTimeout: duration(),
        retention: duration(),
      }),
    }),
    observerWorker: service({
      concurrency: intOrEmpty(1),
      maxDeliver: intOrEmpty(1),
      ackWaitMs: intOrEmpty(1),
      actionTimeoutMs: intOrEmpty(1),
      retryInitialMs: intOrEmpty(0),
      retryMaxIntervalMs: intOrEmpty(0),
      retryMaxAttempts: intOrEmpty(1),
      allowTargets: str(),
      hostConcurrency: intOrEmpty(1),
      hostQueue: intOrEmpty(0),
      deferAfterMs: intOrEmpty(0),
      circuitFailures: intOrEmpty(1),
      circuitHalfOpenMs: intOrEmpty(0),
      smtpUrl: url(['smtp', 'smtps'], true),
      smtpFrom: str(),
      smsBaseUrl: url(['http', 'https'], true),
      secretsDir: str({ pattern: '^$|^/' }),
    }),
    flightServer: service({
      maxConcurrentStreams: intOrEmpty(1),
      maxStreamsPerPrincipal: intOrEmpty(0),
      maxRowsPerTicket: intOrEmpty(0),
      batchSize: intOrEmpty(1),
      batchMaxBytes: intOrEmpty(1),
      poolMax: intOrEmpty(1),
      statementTimeoutMs: intOrEmpty(0),
      ticketTtlMs: intOrEmpty(1),
      sessionTtlMs: intOrEmpty(1),
      partitionRows: intOrEmpty(1),
      maxReceiveBytes: intOrEmpty(1),
      publicLocation: url(['grpc', 'grpc\\+tls', 'grpc\\+tcp'], true),
    }),
    jobRunner: service({
      queue: str({ pattern: '^$|^[A-Za-z0-9_-]+$' }),
      redisPrefix: str({ pattern: '^$|^[A-Za-z0-9_-]+$' }),
      concurrency: intOrEmpty(1),
      lockMs: intOrEmpty(1),
      maxStalled: intOrEmpty(0),
      watchdogGraceMs: intOrEmpty(0),
      shutdownGraceMs: int(0),
      keepSucceededMs: intOrEmpty(0),
      keepDeadMs: intOrEmpty(0),
      orgLimits: str({ pattern: '^$|^\\s*\\{' }),
      orgLimitsByOrg: str({ pattern: '^$|^\\s*\\{' }),
      apiMaxInFlight: intOrEmpty(1),
      poolMax: intOrEmpty(1),
      allowTargets: str(),
      smtpUrl: url(['smtp', 'smtps'], true),
      smtpFrom: str(),
      board: enumOf('', 'off', 'read-only', 'read-write'),
    }),
    sink: service({
      dataplanes: str({ pattern: '^$|^(clickhouse|search)(,(clickhouse|search))?$' }),
      retentionDays: intOrEmpty(1),
      batchRows: intOrEmpty(1000, 100000),
      batchBytes: intOrEmpty(1),
      batchDelayMs: intOrEmpty(1),
      ackWaitMs: intOrEmpty(1),
      searchBatchRows: intOrEmpty(1),
      searchSchema: str({ pattern: '^$|^[a-z_][a-z0-9_]*$' }),
      searchLanguage: str({ pattern: '^$|^[a-z_]+$' }),
      poolMax: intOrEmpty(1),
    }),
  },
  additionalProperties: {
    ...service(null),
    description: 'A further service block: rendered as a Deployment, Service and ConfigMap when it has containerPorts (ops required)',
  },
};
annotate(schema, '');
annotate(schema.additionalProperties, 'componentDefaults');
const BLOCKS = {
  global: 'Settings that win over every image registry and add pull secrets to every pod',
  image: 'Image defaults shared by all services (each service block sets its own image.repository and may override the rest)',
  config: "FraiseQL settings shared by every service (rendered into each service's ConfigMap)",
  otel: 'OpenTelemetry: the standard OTEL_* variables',
  authentication: 'Token authentication of the gateway and flight-server (docs/security.md)',
  auth: "Secrets of the chart's own Secret, or an existing Secret holding them",
  externalDatabase: 'PostgreSQL 15+ with the FraiseQL migrations applied',
  externalNats: 'NATS 2.10+ with JetStream enabled',
  jetstream: 'JetStream streams the query-executor provisions at start',
  externalRedis: "Redis 7: observer-worker's dedup and job-runner's BullMQ queue",
  clickhouse: "ClickHouse server of the sink's analytics",
  elasticsearch: "Elasticsearch 9.x of the sink's search (empty url: PostgreSQL full-text)",
  exports: 'Export store shared by the job-runner (writes) and the gateway (serves)',
  serviceAccount: 'Service account shared by all services',
  metrics: 'Prometheus annotations, ServiceMonitors, PrometheusRule and Grafana dashboards',
  networkPolicy: 'One NetworkPolicy per service',
  keda: 'How the KEDA ScaledObjects of autoscaling.keda read NATS and Prometheus',
  provisioning: 'The store provisioning Job (a Helm hook)',
  bundled: 'Minimal bundled stores for trials and CI (off by default)',
  componentDefaults: 'Defaults of every service block (a service block may override any key)',
  gateway: 'Service gateway: HTTP GraphQL API',
  queryExecutor: 'Service query-executor: compiled SQL of queries and mutations, change-log relay',
  observerWorker: 'Service observer-worker: observer rules to actions',
  flightServer: 'Service flight-server: Arrow Flight over gRPC',
  jobRunner: 'Service job-runner: durable background jobs',
  sink: 'Service sink: ClickHouse analytics and search dataplanes',
};
for (const [k, v] of Object.entries(schema.properties)) if (!v.description) v.description = BLOCKS[k] ?? k;
// The repository's prettier settings, wherever the file is written (the drift test writes a copy into a temp dir).
const options = (await prettier.resolveConfig(path.join(ROOT, 'helm/fraiseql/values.schema.json'))) ?? {};
fs.writeFileSync(OUT, await prettier.format(JSON.stringify(schema), { ...options, parser: 'json' }));
const undocumented = Object.keys(schema.properties).filter(
  (k) => !(k in BLOCKS) && !Object.keys(desc).some((p) => p === k || p.startsWith(`${k}.`)),
);
if (undocumented.length > 0) console.warn(`gen-chart-schema: top-level keys without a description: ${undocumented.join(', ')}`);
