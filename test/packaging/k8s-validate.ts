// "Would Kubernetes accept it": every rendered object validated against the Kubernetes OpenAPI schema (the models and
// validators of kubernetes-models, generated from Kubernetes v1.33.0) or its CRD's schema (@kubernetes-models/
// prometheus-operator, @kubernetes-models/keda), plus the API server's own validation rules that no OpenAPI schema
// carries (names, labels, port names, references between objects), and fields the schema does not declare
// (k8s-fields.ts: kubectl and helm refuse them as "unknown field", the OpenAPI validators let them through). No cluster.
import { unknownFields } from './k8s-fields';
import type { K8sObject } from './render';

/** A problem with one object: `Deployment/fraiseql-gateway: spec.template...: message`. */
export interface Finding {
  object: string;
  path: string;
  message: string;
}

export function formatFindings(findings: Finding[]): string[] {
  return findings.map((f) => `${f.object}: ${f.path ? `${f.path}: ` : ''}${f.message}`);
}

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: unknown): { validate(): void };
}

/** CRD groups and the model package generated from their CRDs. */
const CRD_PACKAGES: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'keda.sh': '@kubernetes-models/keda',
};

/**
 * apiVersion/kind pairs that are validated without a model, each with its reason. Empty today: an object of any other
 * unknown apiVersion/kind fails the validation.
 */
export const KNOWN_WITHOUT_MODEL: Record<string, string> = {};

/** Pre-release versions of built-in groups: the models keep removed APIs (e.g. policy/v1beta1) that 1.33 no longer serves. */
const PRERELEASE = /^v\d+(alpha|beta)\d+$/;

// A dynamic require on purpose: the model module is chosen from the object's apiVersion and kind.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (id: string): Record<string, unknown> => require(id) as Record<string, unknown>;

const modelCache = new Map<string, ModelClass | null>();

/** The model class of an apiVersion/kind: kubernetes-models/<group>/<version>/<Kind>, or a CRD package's. */
export function modelFor(apiVersion: string, kind: string): ModelClass | null {
  const cacheKey = `${apiVersion}/${kind}`;
  if (modelCache.has(cacheKey)) return modelCache.get(cacheKey)!;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  let model: ModelClass | null = null;
  if (/^[A-Z][A-Za-z0-9]*$/.test(kind) && /^[a-z0-9.-]*$/.test(group!) && /^v[a-z0-9]+$/.test(version!)) {
    const crdPackage = CRD_PACKAGES[group!];
    try {
      if (crdPackage) model = (load(`${crdPackage}/${group}/${version}`)[kind] as ModelClass | undefined) ?? null;
      else if (!PRERELEASE.test(version!)) {
        const id = group === '' ? `kubernetes-models/v1/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
        model = (load(id)[kind] as ModelClass | undefined) ?? null;
      }
    } catch {
      model = null;
    }
    if (model && (model.apiVersion !== apiVersion || model.kind !== kind)) model = null;
  }
  modelCache.set(cacheKey, model);
  return model;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** The classic (portable) environment variable name rule; Kubernetes 1.30+ is laxer, the shells in images are not. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

function dnsLabel(value: string, max = 63): string | null {
  if (value.length > max) return `must be at most ${max} characters (is ${value.length})`;
  return DNS1123_LABEL.test(value) ? null : 'must be a DNS-1123 label (lower-case letters, digits, -)';
}

function dnsSubdomain(value: string): string | null {
  if (value.length > 253) return `must be at most 253 characters (is ${value.length})`;
  return DNS1123_SUBDOMAIN.test(value) ? null : 'must be a DNS-1123 subdomain (lower-case letters, digits, -, .)';
}

function qualifiedName(key: string): string | null {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name has at most one /';
  const name = parts.pop()!;
  if (parts.length === 1) {
    const prefix = parts[0]!;
    if (prefix === '' || dnsSubdomain(prefix) !== null) return `prefix ${JSON.stringify(prefix)} must be a DNS-1123 subdomain`;
  }
  if (name.length === 0 || name.length > 63) return 'name part must be 1..63 characters';
  return QUALIFIED_NAME_PART.test(name) ? null : 'name part must be alphanumeric, -, _ or . and start and end alphanumeric';
}

function labelValue(value: unknown): string | null {
  if (typeof value !== 'string') return `must be a string, got ${JSON.stringify(value)}`;
  if (value === '') return null;
  if (value.length > 63) return `must be at most 63 characters (is ${value.length})`;
  return QUALIFIED_NAME_PART.test(value) ? null : 'must be alphanumeric, -, _ or . and start and end alphanumeric';
}

/** Kinds whose name must be a DNS label (Service: DNS-1035; the rest end up in a label or a host name), with a maximum. */
const NAME_RULES: Record<string, { rule: 'dns1035' | 'dns1123-label'; max: number; why: string }> = {
  Service: { rule: 'dns1035', max: 63, why: 'a Service name is a DNS-1035 label' },
  Namespace: { rule: 'dns1123-label', max: 63, why: 'a Namespace name is a DNS label' },
  // Pods get the label controller-revision-hash=<name>-<10-character hash>: a label value is at most 63.
  StatefulSet: { rule: 'dns1123-label', max: 52, why: 'its pods carry controller-revision-hash=<name>-<hash> (63 at most)' },
  DaemonSet: { rule: 'dns1123-label', max: 52, why: 'its pods carry controller-revision-hash=<name>-<hash> (63 at most)' },
  // The Job's pods carry batch.kubernetes.io/job-name=<name>.
  Job: { rule: 'dns1123-label', max: 63, why: 'its pods carry the label job-name=<name>' },
  CronJob: { rule: 'dns1123-label', max: 52, why: 'its Jobs are named <name>-<11-digit schedule time>' },
};

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);

type Any = any;

/** The pod template (metadata + spec) of a workload, and the path to it. */
function podTemplate(o: K8sObject): { path: string; metadata: Any; spec: Any } | null {
  if (o.kind === 'Pod') return { path: 'spec', metadata: o.metadata, spec: o.spec };
  if (o.kind === 'CronJob') {
    const t = o.spec?.jobTemplate?.spec?.template;
    return t ? { path: 'spec.jobTemplate.spec.template.spec', metadata: t.metadata ?? {}, spec: t.spec } : null;
  }
  const t = o.spec?.template;
  return t ? { path: 'spec.template.spec', metadata: t.metadata ?? {}, spec: t.spec } : null;
}

/** The value when it is an array, else [] (a schema finding reports the wrong type). */
const arr = (value: unknown): Any[] => (Array.isArray(value) ? value : []);

function matchesSelector(selector: Any, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of arr(selector.matchExpressions)) {
    const has = e.key in labels;
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && e.values.includes(value))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(value)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return Object.keys(selector.matchLabels ?? {}).length + arr(selector.matchExpressions).length > 0;
}

const QUANTITY = /^([+-]?[0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|e[0-9]+)?$/;
const QUANTITY_FACTORS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A resource quantity (500m, 1.5, 768Mi) as a number, or null when it is not one. */
export function parseQuantity(value: unknown): number | null {
  const m = QUANTITY.exec(String(value));
  if (!m || Number.isNaN(Number(m[1]))) return null;
  const suffix = m[2] ?? '';
  const factor = suffix.startsWith('e') ? 10 ** Number(suffix.slice(1)) : QUANTITY_FACTORS[suffix]!;
  return Number(m[1]) * factor;
}

/** base64 as the API server decodes it (Go's decoder skips \r and \n: kustomize folds long values over lines). */
function isBase64(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const s = v.replace(/[\r\n]/g, '');
  return /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
}

/** The object as the API server reads it: a Secret's data without the line breaks its decoder skips. */
function asDecoded(o: K8sObject): K8sObject {
  if (o.kind !== 'Secret' || !o.data || typeof o.data !== 'object') return o;
  const data = Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/[\r\n]/g, '') : v]));
  return { ...o, data };
}

export interface ValidateOptions {
  /** Also report fields the schema of their kind does not declare (default true; takes a TypeScript program, seconds). */
  unknownFields?: boolean;
  /** Names of Secrets/ConfigMaps/claims/service accounts that exist outside the render (existingSecret values, ...). */
  external?: Set<string>;
}

/** Every problem Kubernetes (or the first minute of running it) would report for this set of objects. */
export function validateObjects(objects: K8sObject[], options: ValidateOptions = {}): Finding[] {
  const external = options.external ?? new Set<string>();
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const byKind = (kind: string) => objects.filter((o) => o?.kind === kind);
  const named = (kind: string, name: string) => objects.find((o) => o?.kind === kind && o.metadata?.name === name);
  const templates = objects.flatMap((o) => {
    const t = WORKLOAD_KINDS.has(o?.kind) ? podTemplate(o) : null;
    return t ? [{ owner: o, ...t }] : [];
  });

  for (const o of objects) {
    const id = `${o?.kind ?? '(no kind)'}/${o?.metadata?.name ?? '(no name)'}`;
    const add = (p: string, message: string) => findings.push({ object: id, path: p, message });
    if (!o || typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      add('', 'not a Kubernetes object: apiVersion and kind are required');
      continue;
    }
    if (typeof o.metadata?.name !== 'string' || o.metadata.name === '') {
      add('metadata.name', 'is required');
      continue;
    }

    // 1. The OpenAPI schema of its apiVersion/kind.
    const model = modelFor(o.apiVersion, o.kind);
    if (model) {
      try {
        new model(asDecoded(o)).validate();
      } catch (e) {
        const errors = (e as { errors?: { instancePath: string; message: string; params?: Any }[] }).errors;
        if (!errors) add('', String((e as Error).message));
        for (const err of errors ?? []) {
          const extra = err.params?.allowedValues ? ` (${err.params.allowedValues.join(', ')})` : '';
          add(err.instancePath.replace(/^\//, '').replace(/\//g, '.'), `${err.message}${extra}`);
        }
      }
    } else if (!(`${o.apiVersion}/${o.kind}` in KNOWN_WITHOUT_MODEL)) {
      add(
        '',
        `unknown apiVersion/kind ${o.apiVersion} ${o.kind}: no model in kubernetes-models (Kubernetes 1.33, GA versions) or the CRD packages`,
      );
    }

    // 2. Names, labels, annotations.
    const key = `${o.apiVersion.split('/').length > 1 ? o.apiVersion.split('/')[0] : ''}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(key)) add('metadata.name', 'is rendered twice (same group, kind, namespace and name)');
    seen.add(key);
    const rule = NAME_RULES[o.kind];
    const name = o.metadata.name as string;
    if (rule) {
      const problem =
        name.length > rule.max
          ? `must be at most ${rule.max} characters (is ${name.length}): ${rule.why}`
          : (rule.rule === 'dns1035' ? DNS1035_LABEL : DNS1123_LABEL).test(name)
            ? null
            : `must be a ${rule.rule === 'dns1035' ? 'DNS-1035' : 'DNS-1123'} label: ${rule.why}`;
      if (problem) add('metadata.name', problem);
    } else {
      const problem = dnsSubdomain(name);
      if (problem) add('metadata.name', problem);
    }
    const checkLabels = (labels: Any, p: string) => {
      for (const [k, v] of Object.entries(labels ?? {})) {
        const kp = qualifiedName(k);
        if (kp) add(`${p}.${k}`, `label key ${kp}`);
        const vp = labelValue(v);
        if (vp) add(`${p}.${k}`, `label value ${JSON.stringify(v)} ${vp}`);
      }
    };
    const checkAnnotations = (annotations: Any, p: string) => {
      for (const [k, v] of Object.entries(annotations ?? {})) {
        const kp = qualifiedName(k);
        if (kp) add(`${p}.${k}`, `annotation key ${kp}`);
        if (typeof v !== 'string') add(`${p}.${k}`, `annotation value must be a string, got ${JSON.stringify(v)}`);
      }
    };
    checkLabels(o.metadata.labels, 'metadata.labels');
    checkAnnotations(o.metadata.annotations, 'metadata.annotations');

    // 3. Kind-specific rules of the API server.
    if (o.kind === 'ConfigMap' || o.kind === 'Secret') {
      for (const field of ['data', 'stringData', 'binaryData']) {
        for (const [k, v] of Object.entries(o[field] ?? {})) {
          if (!CONFIG_KEY.test(k) || k.length > 253) add(`${field}.${k}`, 'key must be letters, digits, -, _ or . (at most 253)');
          if (o.kind === 'Secret' && field === 'data' && !isBase64(v)) {
            add(`${field}.${k}`, 'is not base64');
          }
        }
      }
    }
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.kind)) {
      const t = podTemplate(o)!;
      if (!matchesSelector(o.spec?.selector, t?.metadata?.labels ?? {})) {
        add('spec.selector', 'does not match the pod template labels (the API server refuses it)');
      }
      const ru = o.spec?.strategy?.rollingUpdate;
      if (ru && [0, '0', '0%'].includes(ru.maxSurge) && [0, '0', '0%'].includes(ru.maxUnavailable)) {
        add('spec.strategy.rollingUpdate', 'maxSurge and maxUnavailable may not both be 0');
      }
      if (o.kind === 'StatefulSet' && o.spec?.serviceName && !named('Service', o.spec.serviceName)) {
        add('spec.serviceName', `Service ${o.spec.serviceName} is not rendered`);
      }
    }
    if (o.kind === 'PodDisruptionBudget') {
      if (o.spec?.minAvailable !== undefined && o.spec?.maxUnavailable !== undefined)
        add('spec', 'minAvailable and maxUnavailable are exclusive');
      if (!templates.some((t) => matchesSelector(o.spec?.selector, t.metadata?.labels ?? {})))
        add('spec.selector', 'selects no rendered pod template');
    }
    if (o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject') {
      const ref = o.spec?.scaleTargetRef;
      const kind = ref?.kind ?? 'Deployment';
      if (!ref?.name || !named(kind, ref.name)) add('spec.scaleTargetRef', `${kind} ${ref?.name} is not rendered`);
    }
    if (o.kind === 'NetworkPolicy') {
      const sel = o.spec?.podSelector;
      const empty = !sel || Object.keys(sel.matchLabels ?? {}).length + arr(sel.matchExpressions).length === 0;
      if (!empty && !templates.some((t) => matchesSelector(sel, t.metadata?.labels ?? {})))
        add('spec.podSelector', 'selects no rendered pod template');
    }
    if (o.kind === 'Service') {
      const ports: Any[] = arr(o.spec?.ports);
      const portNames = ports.map((p) => p.name);
      if (ports.length > 1 && portNames.some((n) => !n)) add('spec.ports', 'every port needs a name when there are several');
      if (new Set(portNames).size !== portNames.length) add('spec.ports', 'port names must be unique');
      for (const [i, p] of ports.entries()) {
        if (p.name) {
          const problem = dnsLabel(p.name);
          if (problem) add(`spec.ports.${i}.name`, problem);
        }
        if (p.nodePort !== undefined && !['NodePort', 'LoadBalancer'].includes(o.spec?.type))
          add(`spec.ports.${i}.nodePort`, 'only for NodePort and LoadBalancer Services');
      }
      const selector = o.spec?.selector;
      if (selector && Object.keys(selector).length > 0) {
        const selected = templates.filter((t) => matchesSelector({ matchLabels: selector }, t.metadata?.labels ?? {}));
        if (selected.length === 0) add('spec.selector', 'selects no rendered pod template (the Service would have no endpoints)');
        for (const [i, p] of ports.entries()) {
          const target = p.targetPort ?? p.port;
          const containerPorts = selected.flatMap((t) => arr(t.spec?.containers).flatMap((c: Any) => arr(c.ports)));
          const found =
            typeof target === 'string'
              ? containerPorts.some((cp: Any) => cp.name === target)
              : containerPorts.some((cp: Any) => cp.containerPort === target);
          if (selected.length > 0 && !found)
            add(`spec.ports.${i}.targetPort`, `${JSON.stringify(target)} is no container port of the selected pods`);
        }
      }
    }
    if (o.kind === 'ServiceMonitor') {
      const services = byKind('Service').filter((s) => matchesSelector(o.spec?.selector, s.metadata?.labels ?? {}));
      if (services.length === 0) add('spec.selector', 'selects no rendered Service');
      for (const [i, e] of arr(o.spec?.endpoints).entries()) {
        if (e.port && services.length > 0 && !services.every((s) => arr(s.spec?.ports).some((p: Any) => p.name === e.port))) {
          add(`spec.endpoints.${i}.port`, `${e.port} is not a port name of every selected Service`);
        }
      }
    }

    if (o.kind === 'PrometheusRule') {
      // The job labels the rendered ServiceMonitors give their targets: the Service's jobLabel label, else its name.
      const jobs = byKind('ServiceMonitor').flatMap((sm) =>
        byKind('Service')
          .filter((svc) => matchesSelector(sm.spec?.selector, svc.metadata?.labels ?? {}))
          .map((svc) => (sm.spec?.jobLabel ? svc.metadata?.labels?.[sm.spec.jobLabel] : svc.metadata.name) as string | undefined)
          .filter((job): job is string => typeof job === 'string'),
      );
      if (jobs.length > 0) {
        for (const [g, group] of arr(o.spec?.groups).entries()) {
          for (const [r, rule] of arr(group?.rules).entries()) {
            for (const m of String(rule?.expr ?? '').matchAll(/\bjob\s*(=~|=)\s*"([^"]*)"/g)) {
              const matches = (job: string) => (m[1] === '=' ? job === m[2] : new RegExp(`^(?:${m[2]})$`).test(job));
              if (!jobs.some(matches)) {
                add(
                  `spec.groups.${g}.rules.${r}`,
                  `${rule.alert ?? rule.record}: job${m[1]}"${m[2]}" selects none of the jobs the ServiceMonitors give (${[...new Set(jobs)].join(', ')})`,
                );
              }
            }
          }
        }
      }
    }

    // 4. Pods: containers, ports, probes, env, references.
    const t = WORKLOAD_KINDS.has(o.kind) ? podTemplate(o) : null;
    if (t?.spec) {
      if (t.path !== 'spec') {
        checkLabels(t.metadata?.labels, t.path.replace(/\.spec$/, '.metadata.labels'));
        checkAnnotations(t.metadata?.annotations, t.path.replace(/\.spec$/, '.metadata.annotations'));
      }
      const pod = t.spec;
      const all: [string, Any][] = [
        ...arr(pod.initContainers).map((c: Any, i: number) => [`${t.path}.initContainers.${i}`, c] as [string, Any]),
        ...arr(pod.containers).map((c: Any, i: number) => [`${t.path}.containers.${i}`, c] as [string, Any]),
      ];
      const containerNames = all.map(([, c]) => c.name);
      if (new Set(containerNames).size !== containerNames.length) add(`${t.path}.containers`, 'container names must be unique in the pod');
      const volumes: Any[] = arr(pod.volumes);
      // A StatefulSet's volumeClaimTemplates are volumes of its pods too.
      const claimTemplates = o.kind === 'StatefulSet' ? arr(o.spec?.volumeClaimTemplates).map((c) => c?.metadata?.name) : [];
      const volumeNames = [...volumes.map((v) => v.name), ...claimTemplates];
      if (new Set(volumeNames).size !== volumeNames.length) add(`${t.path}.volumes`, 'volume names must be unique');
      const portNames = new Set<string>();
      const refExists = (kind: 'Secret' | 'ConfigMap', name: string) => named(kind, name) !== undefined || external.has(name);
      const checkRef = (p: string, kind: 'Secret' | 'ConfigMap', ref: Any, key?: string) => {
        if (!ref || ref.optional === true) return;
        if (!refExists(kind, ref.name)) {
          add(p, `${kind} ${ref.name} is neither rendered nor named as an existing one by the values`);
          return;
        }
        const obj = named(kind, ref.name);
        if (key !== undefined && obj) {
          const keys = new Set([
            ...Object.keys(obj.data ?? {}),
            ...Object.keys(obj.stringData ?? {}),
            ...Object.keys(obj.binaryData ?? {}),
          ]);
          if (!keys.has(key)) add(p, `${kind} ${ref.name} has no key ${key}`);
        }
      };
      for (const [p, c] of all) {
        const problem = typeof c.name === 'string' ? dnsLabel(c.name) : 'is required';
        if (problem) add(`${p}.name`, problem);
        if (!c.image) add(`${p}.image`, 'is required');
        const own = new Map<string, number>();
        for (const [i, port] of arr(c.ports).entries()) {
          if (port.name !== undefined) {
            if (port.name.length > 15) add(`${p}.ports.${i}.name`, `${port.name} must be at most 15 characters (IANA_SVC_NAME)`);
            else if (!IANA_SVC_NAME.test(port.name) || !/[a-z]/.test(port.name) || port.name.includes('--')) {
              add(`${p}.ports.${i}.name`, `${port.name} must be an IANA_SVC_NAME (lower-case letters, digits, single -, a letter)`);
            }
            if (portNames.has(port.name)) add(`${p}.ports.${i}.name`, `${port.name} is used twice in the pod`);
            portNames.add(port.name);
            own.set(port.name, port.containerPort);
          }
        }
        const numbers = new Set(arr(c.ports).map((port: Any) => port.containerPort));
        for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
          const handler = c[probe];
          if (!handler) continue;
          const port = handler.httpGet?.port ?? handler.tcpSocket?.port ?? handler.grpc?.port;
          if (port === undefined) continue;
          if (typeof port === 'string' && !own.has(port)) add(`${p}.${probe}`, `port ${port} is not a named port of this container`);
          if (typeof port === 'number' && !numbers.has(port)) add(`${p}.${probe}`, `port ${port} is not a port of this container`);
        }
        const envNames = new Set<string>();
        for (const [i, e] of arr(c.env).entries()) {
          if (typeof e.name !== 'string' || !ENV_NAME.test(e.name))
            add(`${p}.env.${i}.name`, `${JSON.stringify(e.name)} is not a valid environment variable name`);
          if (envNames.has(e.name)) add(`${p}.env.${i}.name`, `${e.name} is set twice in this container`);
          envNames.add(e.name);
          checkRef(`${p}.env.${i}.valueFrom.secretKeyRef`, 'Secret', e.valueFrom?.secretKeyRef, e.valueFrom?.secretKeyRef?.key);
          checkRef(`${p}.env.${i}.valueFrom.configMapKeyRef`, 'ConfigMap', e.valueFrom?.configMapKeyRef, e.valueFrom?.configMapKeyRef?.key);
        }
        for (const [i, e] of arr(c.envFrom).entries()) {
          checkRef(`${p}.envFrom.${i}.secretRef`, 'Secret', e.secretRef);
          checkRef(`${p}.envFrom.${i}.configMapRef`, 'ConfigMap', e.configMapRef);
        }
        const mountPaths = new Set<string>();
        for (const [i, m] of arr(c.volumeMounts).entries()) {
          if (!volumeNames.includes(m.name)) add(`${p}.volumeMounts.${i}.name`, `no volume ${m.name} in the pod`);
          if (mountPaths.has(m.mountPath)) add(`${p}.volumeMounts.${i}.mountPath`, `${m.mountPath} is mounted twice`);
          mountPaths.add(m.mountPath);
        }
        for (const resource of Object.keys(c.resources?.requests ?? {})) {
          const request = parseQuantity(c.resources.requests[resource]);
          const limit = c.resources?.limits?.[resource] !== undefined ? parseQuantity(c.resources.limits[resource]) : null;
          if (request === null) add(`${p}.resources.requests.${resource}`, `${c.resources.requests[resource]} is not a quantity`);
          if (request !== null && limit !== null && request > limit) add(`${p}.resources`, `${resource} request exceeds its limit`);
        }
      }
      for (const [i, v] of volumes.entries()) {
        if (v.secret) checkRef(`${t.path}.volumes.${i}.secret`, 'Secret', { name: v.secret.secretName, optional: v.secret.optional });
        if (v.configMap) checkRef(`${t.path}.volumes.${i}.configMap`, 'ConfigMap', v.configMap);
        if (
          v.persistentVolumeClaim &&
          !named('PersistentVolumeClaim', v.persistentVolumeClaim.claimName) &&
          !external.has(v.persistentVolumeClaim.claimName)
        ) {
          add(
            `${t.path}.volumes.${i}.persistentVolumeClaim`,
            `claim ${v.persistentVolumeClaim.claimName} is neither rendered nor named by the values`,
          );
        }
      }
      const sa = pod.serviceAccountName;
      if (sa && sa !== 'default' && !named('ServiceAccount', sa) && !external.has(sa)) {
        add(`${t.path}.serviceAccountName`, `ServiceAccount ${sa} is neither rendered nor named by the values`);
      }
      for (const [i, s] of arr(pod.imagePullSecrets).entries()) {
        if (!named('Secret', s.name) && !external.has(s.name))
          add(`${t.path}.imagePullSecrets.${i}`, `Secret ${s.name} is neither rendered nor named by the values`);
      }
    }
  }
  if (options.unknownFields !== false) findings.push(...unknownFields(objects));
  return findings;
}
