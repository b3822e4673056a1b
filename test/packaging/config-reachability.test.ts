// Config-key reachability: every key a service's config reads (its zod shape, merged with the common keys exactly as
// libs/service-kit loadConfig does, shared shapes such as authConfigShape and the rate limits included) can be set from
// the chart's values and reaches that service's container: its ConfigMap (envFrom) or an env entry (secretKeyRef).
// Keys with dedicated values (URLs, secrets, `settings`, `authentication`, `exports`, ...) are set through them; the
// rest through the service block's `config:` map; secrets without a dedicated value through extraEnvVarsSecret.
// The same for the kustomize base: each key is in its ConfigMap/env, or written (commented) in its env files.
// Also: every FRAISEQL_* key the chart renders is one the service knows, and each render parses with its config.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { commonConfigShape, loadConfig, type ConfigDefinition } from '@fraiseql/service-kit';
import { isSecretSchema } from '../../libs/service-kit/src/config/config-value';
import { flightServerConfig } from '../../services/flight-server/src/config';
import { gatewayConfig } from '../../services/gateway/src/config';
import { jobRunnerConfig } from '../../services/job-runner/src/config';
import { observerWorkerConfig } from '../../services/observer-worker/src/config';
import { queryExecutorConfig } from '../../services/query-executor/src/config';
import { sinkConfig } from '../../services/sink/src/config';
import { chartCases, helmTemplate, kustomize, readValues, ROOT, type K8sObject } from './render';

/** Each services/* folder's config definition (a new service must be added here: the first test says so). */
const DEFINITIONS: Record<string, ConfigDefinition<z.ZodRawShape>> = {
  gateway: gatewayConfig,
  'query-executor': queryExecutorConfig,
  'flight-server': flightServerConfig,
  'observer-worker': observerWorkerConfig,
  'job-runner': jobRunnerConfig,
  sink: sinkConfig,
} as unknown as Record<string, ConfigDefinition<z.ZodRawShape>>;

/** The keys loadConfig reads for a service (common keys + its shape), and which of them are secrets. */
function configKeys(definition: ConfigDefinition<z.ZodRawShape>): { keys: string[]; secrets: Set<string> } {
  const shape: z.ZodRawShape = { ...commonConfigShape, ...definition.schema.shape };
  const keys = Object.keys(shape).sort();
  return { keys, secrets: new Set(keys.filter((k) => isSecretSchema(shape[k]!))) };
}

/** Keys deliberately not settable from the chart (nor written in the kustomize base), with the reason. */
const NOT_SETTABLE: Record<string, string> = {
  FRAISEQL_LOG_PRETTY: 'human-readable logs for a terminal (npm start); pods log JSON lines for the log pipeline',
  FRAISEQL_DEV_AUTH: 'development headers set the caller; every service refuses it with FRAISEQL_ENV=production',
  FRAISEQL_CONFIG_FILE: 'the chart and kustomize configure through the environment (a file would be a second source)',
  FRAISEQL_SINK_CLICKHOUSE_PATH:
    'directory of the embedded ClickHouse (chdb), which the image does not carry; the chart requires clickhouse.url',
};

/**
 * Secret keys rendered into a ConfigMap on purpose, with the reason: URLs that carry no credential in the chart (the
 * credential has a key of its own, from a Secret). Any other secret key in a ConfigMap fails.
 */
const SECRET_IN_CONFIGMAP: Record<string, string> = {
  FRAISEQL_CLICKHOUSE_URL: 'no credential in it: the password is FRAISEQL_CLICKHOUSE_PASSWORD (clickhouse.existingSecret)',
  FRAISEQL_ELASTICSEARCH_URL: 'no credential in it: FRAISEQL_ELASTICSEARCH_API_KEY or _PASSWORD (elasticsearch.existingSecret)',
  FRAISEQL_OBSERVER_SMTP_URL:
    'settings.smtpUrl is for a relay without credentials; with credentials extraEnvVarsSecret (values.yaml says so)',
  FRAISEQL_JOB_SMTP_URL: 'settings.smtpUrl is for a relay without credentials; with credentials extraEnvVarsSecret (values.yaml says so)',
};

/** Secret keys set only through extraEnvVarsSecret (no dedicated value), with the reason. */
const SECRET_VIA_EXTRA_ENV_SECRET: Record<string, string> = {
  FRAISEQL_EXPORT_S3_SESSION_TOKEN: 'temporary STS credentials; in a cluster IRSA/workload identity (serviceAccount.annotations) does this',
};

/**
 * Keys the chart renders into every service's ConfigMap although some service does not read them, with the reason
 * (harmless: outside a service's own prefix the loader ignores a key it does not know).
 */
const SHARED_BUT_UNREAD: Record<string, string> = {
  FRAISEQL_SCHEMA_SOURCE:
    'config.schemaSource is rendered for every service; the sink reads no schema (minor, reported to the chart owner)',
};

/** Example values for `settings` keys that are "" in values.yaml (so each one is rendered). */
const SETTING_EXAMPLES: Record<string, string> = {
  allowTargets: '10.0.0.0/8,hooks.internal.svc',
  smtpUrl: 'smtp://mail.internal:587',
  secretsDir: '/var/run/fraiseql/observer-secrets',
  publicLocation: 'grpc+tls://flight.example.com:443',
  orgLimits: '{"concurrency": 5}',
  orgLimitsByOrg: '{"org-1": {"concurrency": 20}}',
};

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** Values that set every dedicated value of the chart to something (Elasticsearch by API key or by user). */
function everyDedicatedValue(elasticsearchUser: boolean): Record<string, unknown> {
  const defaults = readValues();
  const values: Record<string, unknown> = {
    config: { env: 'production', logLevel: 'debug', schemaSource: 'kv' },
    authentication: {
      oidcIssuer: 'https://idp.example.com/realms/acme',
      jwksUrl: 'https://idp.example.com/jwks.json',
      issuer: 'https://idp.example.com/realms/acme',
      audience: 'fraiseql',
      algorithms: 'RS256',
      orgClaim: 'org',
      rolesClaim: 'groups',
      orgsClaim: 'orgs',
      apiKeys: 'false',
    },
    externalDatabase: {
      flightUrl: 'postgres://fraiseql_flight:pw@db:5432/fraiseql',
      sinkUrl: 'postgres://fraiseql_search:pw@db:5432/fraiseql',
    },
    exports: {
      store: 's3://exports/prod',
      linkTtlMs: '600000',
      s3: { endpoint: 'http://minio:9000', region: 'eu-west-1', forcePathStyle: 'true', partSizeMb: '16', existingSecret: 's3' },
    },
    clickhouse: { existingSecret: 'clickhouse' },
    elasticsearch: { url: 'https://es:9200', existingSecret: 'elasticsearch', username: elasticsearchUser ? 'fraiseql' : '' },
  };
  for (const [key, block] of Object.entries(defaults)) {
    const settings = (block as { settings?: Record<string, unknown> } | null)?.settings;
    if (!block || typeof block !== 'object' || !('containerPorts' in block) || !settings) continue;
    values[key] = {
      settings: Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v === '' ? (SETTING_EXAMPLES[k] ?? 'x') : v])),
    };
  }
  return values;
}

function renderWith(values: Record<string, unknown>, extraArgs: string[] = []): K8sObject[] {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fraiseql-reach-')), 'values.yaml');
  try {
    fs.writeFileSync(file, YAML.stringify(values));
    return helmTemplate(['-f', file, ...extraArgs]);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

/** What reaches a service's container: ConfigMap keys (envFrom), env entry names, envFrom Secret names. */
function reached(objects: K8sObject[], service: string): { configMap: Set<string>; env: Set<string>; envFromSecrets: string[] } {
  const deployment = objects.find(
    (o) => o.kind === 'Deployment' && o.metadata.name.endsWith(`-${service}`) && o.metadata.name.startsWith('fraiseql'),
  );
  if (!deployment) throw new Error(`no Deployment for ${service}`);
  const [container] = deployment.spec.template.spec.containers;
  const configMap = new Set<string>();
  const envFromSecrets: string[] = [];
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef)
      for (const k of Object.keys(find(objects, 'ConfigMap', source.configMapRef.name)?.data ?? {})) configMap.add(k);
    if (source.secretRef) envFromSecrets.push(source.secretRef.name);
  }
  return { configMap, env: new Set((container.env ?? []).map((e: { name: string }) => e.name)), envFromSecrets };
}

const services = fs
  .readdirSync(path.join(ROOT, 'services'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('config keys: the chart', () => {
  const byKey = everyDedicatedValue(false);
  const byUser = everyDedicatedValue(true);
  const dedicated = renderWith(byKey);
  const dedicatedUser = renderWith(byUser);

  it('knows the config definition of every services/* folder', () => {
    expect(Object.keys(DEFINITIONS).sort()).toEqual(services);
  });

  it.each(services)('%s: every key its config reads reaches its container, through dedicated values or `config:`', (service) => {
    const { keys, secrets } = configKeys(DEFINITIONS[service]!);
    const seen = [reached(dedicated, service), reached(dedicatedUser, service)];
    const viaDedicated = new Set(seen.flatMap((r) => [...r.configMap, ...r.env]));
    const missing = keys.filter((k) => !viaDedicated.has(k) && !(k in NOT_SETTABLE));

    // Secret keys without a dedicated value: only the listed ones, through extraEnvVarsSecret.
    const missingSecrets = missing.filter((k) => secrets.has(k));
    expect(missingSecrets.filter((k) => !(k in SECRET_VIA_EXTRA_ENV_SECRET))).toEqual([]);

    // Every other key through the service block's `config:` map, into its ConfigMap.
    const plain = missing.filter((k) => !secrets.has(k));
    const block = camel(service);
    const withConfig = renderWith({
      ...byKey,
      [block]: {
        ...(byKey[block] as object),
        config: Object.fromEntries(plain.map((k) => [k, 'x'])),
        extraEnvVarsSecret: 'fraiseql-extra',
      },
    });
    const viaConfig = reached(withConfig, service);
    expect(plain.filter((k) => !viaConfig.configMap.has(k))).toEqual([]);
    if (missingSecrets.length > 0) expect(viaConfig.envFromSecrets).toContain('fraiseql-extra');

    // Secrets never go into a ConfigMap, unless listed with their reason.
    const secretInConfigMap = [...new Set(seen.flatMap((r) => [...r.configMap]))].filter(
      (k) => secrets.has(k) && !(k in SECRET_IN_CONFIGMAP),
    );
    expect(secretInConfigMap).toEqual([]);
    // The keys deliberately not settable are not rendered by the dedicated values either.
    expect([...viaDedicated].filter((k) => k in NOT_SETTABLE)).toEqual([]);
  });

  it.each(services)('%s: every FRAISEQL_* key the chart renders for it is one its config knows', (service) => {
    const { keys, secrets } = configKeys(DEFINITIONS[service]!);
    const known = new Set([...keys, ...[...secrets].map((k) => `${k}_FILE`)]);
    for (const objects of [dedicated, dedicatedUser]) {
      const r = reached(objects, service);
      expect([...r.configMap, ...r.env].filter((k) => k.startsWith('FRAISEQL_') && !known.has(k) && !(k in SHARED_BUT_UNREAD))).toEqual([]);
    }
  });

  // Each render of the chart's own value files parses with every service's own config (values in the right format).
  it.each(
    chartCases()
      .filter((c) => !c.applied)
      .map((c) => [c.name, c] as const),
  )('%s: each service config parses what the chart renders', (_name, c) => {
    const objects = helmTemplate(c.args);
    for (const service of services) {
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `fraiseql-${service}`);
      if (!deployment) continue;
      const [container] = deployment.spec.template.spec.containers;
      const env: Record<string, string> = {};
      for (const source of container.envFrom ?? []) Object.assign(env, find(objects, 'ConfigMap', source.configMapRef?.name)?.data ?? {});
      for (const e of container.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        const secret = ref ? find(objects, 'Secret', ref.name) : undefined;
        if (e.value !== undefined) env[e.name] = e.value;
        else if (secret?.data?.[ref.key] !== undefined) env[e.name] = Buffer.from(secret.data[ref.key], 'base64').toString('utf8');
        else env[e.name] = placeholderFor(e.name);
      }
      expect(() => loadConfig(DEFINITIONS[service]!, { env })).not.toThrow();
    }
  });
});

/** A stand-in for a value from an existing Secret, in the format its key expects. */
function placeholderFor(name: string): string {
  if (name.endsWith('DATABASE_URL')) return 'postgres://u:p@db:5432/fraiseql';
  if (name.endsWith('REDIS_URL')) return 'redis://redis:6379';
  if (name.endsWith('NATS_URL')) return 'nats://nats:4222';
  if (name.endsWith('SMTP_URL')) return 'smtp://mail:587';
  if (name.endsWith('_URL')) return 'http://store:8123';
  return 'p'.repeat(48);
}

describe('config keys: the kustomize base', () => {
  const objects = kustomize('k8s/base');
  /** Keys written in the base's env files, set or commented (`# KEY=`: documented, to be set in an overlay). */
  const documented = (file: string) =>
    fs.existsSync(file) ? [...fs.readFileSync(file, 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!) : [];

  it.each(services)('%s: every key its config reads is in its ConfigMap or env, or written in its env files', (service) => {
    const { keys } = configKeys(DEFINITIONS[service]!);
    const deployment = find(objects, 'Deployment', `fraiseql-${service}`)!;
    const [container] = deployment.spec.template.spec.containers;
    const present = new Set<string>((container.env ?? []).map((e: { name: string }) => e.name));
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef)
        for (const k of Object.keys(find(objects, 'ConfigMap', source.configMapRef.name)?.data ?? {})) present.add(k);
    }
    const manifest = fs.readFileSync(path.join(ROOT, 'k8s/base', `${service}.yaml`), 'utf8');
    const written = new Set([
      ...documented(path.join(ROOT, 'k8s/base/config/common.env')),
      ...documented(path.join(ROOT, 'k8s/base/config', `${service}.env`)),
      // Keys from Secrets of one's own are shown in the service's manifest, as commented env entries.
      ...[...manifest.matchAll(/^#.*\{ name: ([A-Z][A-Z0-9_]*),/gm)].map((m) => m[1]!),
    ]);
    expect(keys.filter((k) => !present.has(k) && !written.has(k) && !(k in NOT_SETTABLE))).toEqual([]);
    // And nothing under FRAISEQL_ that the service does not know.
    expect([...present].filter((k) => k.startsWith('FRAISEQL_') && !keys.includes(k) && !(k in SHARED_BUT_UNREAD))).toEqual([]);
  });

  it('a service block of the chart for each Deployment of the base', () => {
    for (const service of services) expect(readValues()[camel(service)]).toBeDefined();
    expect(kebab('queryExecutor')).toBe('query-executor');
  });
});
