// "Kubernetes would accept it": every object the chart renders (default values, each values-*.yaml, everything on)
// and every object of the kustomize base and overlays, validated against the Kubernetes 1.33 OpenAPI schema
// (kubernetes-models) or its CRD's schema (prometheus-operator, KEDA models), plus the API server's rules that no
// schema carries: names, labels, port names, probe ports, selectors, Service target ports, env names, references.
// Then, one deliberately broken object per kind of defect: the validator must report each.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatFindings, modelFor, parseQuantity, validateObjects } from './k8s-validate';
import { chartCases, FEATURE_SWITCHES, helmTemplate, kustomize, readValues, ROOT, valueAt, type K8sObject } from './render';

/** Breaks a copy of a render in place, or returns the broken set of objects. */
type Mutation = (objects: K8sObject[]) => K8sObject[] | void;

const KUSTOMIZE_DIRS = ['k8s/base', ...fs.readdirSync(path.join(ROOT, 'k8s/overlays')).map((d) => `k8s/overlays/${d}`)].sort();

const services = fs
  .readdirSync(path.join(ROOT, 'services'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('helm chart: every rendered object would be accepted', () => {
  const cases = chartCases();

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const objects = helmTemplate(c.args, undefined, c.release);
    expect(objects.length).toBeGreaterThan(0);
    expect(formatFindings(validateObjects(objects, { external: c.external }))).toEqual([]);
    // Each enabled service is there (the everything-on render keeps all of them on).
    for (const name of services)
      expect(objects.some((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === name)).toBe(true);
  });

  it('renders the everything-on case with every switch values.yaml has (the list is data: FEATURE_SWITCHES in render.ts)', () => {
    const values = readValues();
    const present = FEATURE_SWITCHES.filter((s) => valueAt(values, s.path) !== undefined).map((s) => s.path);
    const applied = new Set(cases.flatMap((c) => c.applied ?? []));
    expect(present.filter((p) => !applied.has(p))).toEqual([]);
    // The switches the chart has had from the start are among them.
    expect(present).toEqual(
      expect.arrayContaining(['componentDefaults.pdb.create', 'componentDefaults.autoscaling.hpa.enabled', 'exports.store']),
    );
    const everything = cases.filter((c) => c.applied);
    expect(everything.length).toBeGreaterThan(0);
    // PDBs and an autoscaler come out of it, for every service.
    const objects = helmTemplate(everything[0]!.args);
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(services.length);
  });

  it('covers each values-*.yaml of the chart', () => {
    const files = fs.readdirSync(path.join(ROOT, 'helm/fraiseql')).filter((f) => /^values-.*\.yaml$/.test(f));
    expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(files));
  });
});

/** Objects a kustomization references without rendering them, by directory, each with its reason. */
const KUSTOMIZE_EXTERNAL: Record<string, Record<string, string>> = {
  'k8s/overlays/prod': { fraiseql: 'the Secret of the credentials, created beforehand (the overlay drops the placeholder one)' },
};

describe('kustomize: every object of the base and the overlays would be accepted', () => {
  it.each(KUSTOMIZE_DIRS)('%s', (dir) => {
    const objects = kustomize(dir);
    expect(formatFindings(validateObjects(objects, { external: new Set(Object.keys(KUSTOMIZE_EXTERNAL[dir] ?? {})) }))).toEqual([]);
    for (const name of services) expect(objects.some((o) => o.kind === 'Deployment' && o.metadata.name === `fraiseql-${name}`)).toBe(true);
  });

  it('k8s/overlays/prod: 3 replicas spread over zones and nodes, a PDB, a NetworkPolicy and a ServiceMonitor per service, no placeholder Secret', () => {
    const objects = kustomize('k8s/overlays/prod');
    const names = (kind: string) =>
      objects
        .filter((o) => o.kind === kind)
        .map((o) => o.metadata.name)
        .sort();
    const expected = services.map((s) => `fraiseql-${s}`);
    expect(names('PodDisruptionBudget')).toEqual(expected);
    expect(names('NetworkPolicy')).toEqual(expected);
    expect(names('ServiceMonitor')).toEqual(expected);
    expect(names('Secret')).toEqual([]);
    for (const name of services) {
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `fraiseql-${name}`)!;
      const pod = deployment.spec.template.spec;
      expect(deployment.spec.replicas).toBe(3);
      expect(pod.topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey)).toEqual([
        'topology.kubernetes.io/zone',
        'kubernetes.io/hostname',
      ]);
      expect(Object.keys(pod.containers[0].resources.limits).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
      // The credentials come from the Secret `fraiseql` created beforehand (not a generated, hash-suffixed one).
      for (const env of pod.containers[0].env ?? []) expect(env.valueFrom.secretKeyRef.name).toBe('fraiseql');
    }
    // In step with the chart's production values where both have the object: same PDB budget, same ports open.
    const chart = helmTemplate(['-f', path.join(ROOT, 'helm/fraiseql/values-production.yaml')]);
    for (const name of services) {
      const ours = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `fraiseql-${name}`)!;
      const theirs = chart.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `fraiseql-${name}`);
      if (!theirs) continue;
      const ingressPorts = (np: K8sObject) =>
        np.spec.ingress.flatMap((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port)).sort();
      expect(ingressPorts(ours)).toEqual(ingressPorts(theirs));
      const pdb = chart.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === `fraiseql-${name}`);
      if (pdb)
        expect(objects.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === `fraiseql-${name}`)!.spec.maxUnavailable).toBe(
          pdb.spec.maxUnavailable,
        );
    }
  });
});

describe('the validator reports each kind of defect', () => {
  // A valid starting point: the chart's default render (Deployments, Services, ConfigMaps, the Secret, ...).
  const base = helmTemplate([]);
  const clone = (objects: K8sObject[]) => JSON.parse(JSON.stringify(objects)) as K8sObject[];
  const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
  const gatewayContainer = (objects: K8sObject[]) => find(objects, 'Deployment', 'fraiseql-gateway').spec.template.spec.containers[0];
  /** The findings of the default render after `mutate`, formatted. */
  const broken = (mutate: Mutation, external?: Set<string>) => {
    const objects = clone(base);
    return formatFindings(validateObjects(mutate(objects) ?? objects, { external }));
  };

  it('starts from a render with no findings', () => {
    expect(formatFindings(validateObjects(base))).toEqual([]);
  });

  it('states the Kubernetes version of the schemas: 1.33 (a field added in 1.33 is known, one of 1.34 is not)', () => {
    // kubernetes-models 4.5.x is generated from Kubernetes v1.33.0 (its changelog; the README badge still says 1.27.1).
    expect(fs.existsSync(require.resolve('kubernetes-models/v1/SleepAction'))).toBe(true);
    const lifecycle = fs.readFileSync(require.resolve('kubernetes-models/v1/Lifecycle').replace(/\.js$/, '.d.ts'), 'utf8');
    expect(lifecycle).toContain('stopSignal'); // Container lifecycle stopSignal: new in 1.33.
    const container = fs.readFileSync(require.resolve('kubernetes-models/v1/Container').replace(/\.js$/, '.d.ts'), 'utf8');
    expect(container).not.toContain('restartPolicyRules'); // New in 1.34.
  });

  it.each<[string, Mutation, string]>([
    [
      'a wrong type (OpenAPI schema)',
      (o: K8sObject[]) => void (gatewayContainer(o).ports[0].containerPort = '4000'),
      'containerPort: must be integer',
    ],
    [
      'a missing required field (OpenAPI schema)',
      (o: K8sObject[]) => void delete gatewayContainer(o).name,
      'must have required property name',
    ],
    [
      'a misspelt field (unknown to the schema: kubectl and helm refuse it)',
      (o: K8sObject[]) => void (gatewayContainer(o).readinessprobe = gatewayContainer(o).readinessProbe),
      'spec.template.spec.containers.0.readinessprobe: unknown field',
    ],
    [
      'a field at the wrong level (mis-indented)',
      (o: K8sObject[]) => void (find(o, 'Deployment', 'fraiseql-gateway').spec.template.spec.ports = gatewayContainer(o).ports),
      'spec.template.spec.ports: unknown field',
    ],
    [
      'an unknown field in a CRD object',
      (o: K8sObject[]) => [
        ...o,
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: { name: 's' },
          spec: { selector: { matchLabels: { 'app.kubernetes.io/component': 'gateway' } }, endpoints: [{ port: 'ops', intervall: '30s' }] },
        },
      ],
      'ServiceMonitor/s: spec.endpoints.0.intervall: unknown field',
    ],
    [
      'a value outside an enum (OpenAPI schema)',
      (o: K8sObject[]) => void (find(o, 'Service', 'fraiseql-gateway').spec.ports[0].protocol = 'HTTP'),
      'protocol: must be equal to one of the allowed values',
    ],
    [
      'an unknown apiVersion/kind',
      (o: K8sObject[]) => [...o, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }],
      'Widget/w: unknown apiVersion/kind example.com/v1 Widget',
    ],
    [
      'an API version Kubernetes 1.33 no longer serves (policy/v1beta1)',
      (o: K8sObject[]) => [
        ...o,
        { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec: { maxUnavailable: 1 } },
      ],
      'unknown apiVersion/kind policy/v1beta1 PodDisruptionBudget',
    ],
    [
      'a Service name over 63 characters',
      (o: K8sObject[]) => void (find(o, 'Service', 'fraiseql-gateway').metadata.name = `fraiseql-${'x'.repeat(60)}`),
      'must be at most 63 characters',
    ],
    [
      'a Service name that is no DNS-1035 label',
      (o: K8sObject[]) => void (find(o, 'Service', 'fraiseql-gateway').metadata.name = '1-gateway'),
      'must be a DNS-1035 label',
    ],
    [
      'an object name that is no DNS subdomain',
      (o: K8sObject[]) => void (find(o, 'ConfigMap', 'fraiseql-gateway').metadata.name = 'Fraiseql_Gateway'),
      'must be a DNS-1123 subdomain',
    ],
    [
      'a StatefulSet name too long for its pods’ revision label',
      (o: K8sObject[]) => {
        const d = find(o, 'Deployment', 'fraiseql-gateway');
        return [
          ...o,
          {
            ...d,
            kind: 'StatefulSet',
            metadata: { name: 'x'.repeat(53) },
            spec: { ...d.spec, strategy: undefined, serviceName: 'fraiseql-gateway' },
          },
        ];
      },
      'must be at most 52 characters',
    ],
    [
      'an invalid label value',
      (o: K8sObject[]) => void (find(o, 'ConfigMap', 'fraiseql-gateway').metadata.labels['app.kubernetes.io/version'] = '1.0 beta'),
      'label value "1.0 beta"',
    ],
    [
      'a label value over 63 characters',
      (o: K8sObject[]) => void (find(o, 'Service', 'fraiseql-gateway').metadata.labels.team = 'x'.repeat(64)),
      'must be at most 63 characters (is 64)',
    ],
    [
      'an invalid label key',
      (o: K8sObject[]) => void (find(o, 'Service', 'fraiseql-gateway').metadata.labels['bad key'] = 'x'),
      'label key name part must be alphanumeric',
    ],
    [
      'a container port name over 15 characters',
      (o: K8sObject[]) => void (gatewayContainer(o).ports[0].name = 'http-graphql-api'),
      'must be at most 15 characters (IANA_SVC_NAME)',
    ],
    [
      'a port name used twice in a pod',
      (o: K8sObject[]) => void (gatewayContainer(o).ports[1].name = gatewayContainer(o).ports[0].name),
      'is used twice in the pod',
    ],
    [
      'a probe on a port the container does not name',
      (o: K8sObject[]) => void (gatewayContainer(o).readinessProbe.httpGet.port = 'metrics'),
      'readinessProbe: port metrics is not a named port',
    ],
    [
      'a probe on a port number the container does not have',
      (o: K8sObject[]) => void (gatewayContainer(o).livenessProbe.httpGet.port = 9999),
      'livenessProbe: port 9999 is not a port',
    ],
    [
      'a selector that does not match the pod template',
      (o: K8sObject[]) =>
        void (find(o, 'Deployment', 'fraiseql-gateway').spec.selector.matchLabels['app.kubernetes.io/component'] = 'other'),
      'spec.selector: does not match the pod template labels',
    ],
    [
      'a Service target port no selected container has',
      (o: K8sObject[]) => void (find(o, 'Service', 'fraiseql-gateway').spec.ports[0].targetPort = 'graphql'),
      'targetPort: "graphql" is no container port of the selected pods',
    ],
    [
      'a Service that selects no pod',
      (o: K8sObject[]) => void (find(o, 'Service', 'fraiseql-gateway').spec.selector['app.kubernetes.io/component'] = 'gateway2'),
      'selects no rendered pod template',
    ],
    [
      'an invalid env var name',
      (o: K8sObject[]) => void gatewayContainer(o).env.push({ name: '1FRAISEQL', value: 'x' }),
      '"1FRAISEQL" is not a valid environment variable name',
    ],
    [
      'an env var set twice in one container',
      (o: K8sObject[]) => void gatewayContainer(o).env.push({ ...gatewayContainer(o).env[0] }),
      'is set twice in this container',
    ],
    [
      'a secretKeyRef to a Secret that is not rendered',
      (o: K8sObject[]) => void (gatewayContainer(o).env[0].valueFrom.secretKeyRef.name = 'missing'),
      'Secret missing is neither rendered nor named as an existing one',
    ],
    [
      'a secretKeyRef to a key the Secret does not hold',
      (o: K8sObject[]) => void (gatewayContainer(o).env[0].valueFrom.secretKeyRef.key = 'nope'),
      'Secret fraiseql has no key nope',
    ],
    [
      'a configMapKeyRef to a ConfigMap that is not rendered',
      (o: K8sObject[]) => void gatewayContainer(o).env.push({ name: 'X', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k' } } }),
      'ConfigMap absent is neither rendered',
    ],
    [
      'an envFrom ConfigMap that is not rendered',
      (o: K8sObject[]) => void (gatewayContainer(o).envFrom[0].configMapRef.name = 'absent'),
      'ConfigMap absent is neither rendered',
    ],
    [
      'a volume mount of no volume',
      (o: K8sObject[]) => void gatewayContainer(o).volumeMounts.push({ name: 'data', mountPath: '/data' }),
      'no volume data in the pod',
    ],
    [
      'a request above its limit',
      (o: K8sObject[]) => void (gatewayContainer(o).resources.requests.memory = '1Gi'),
      'memory request exceeds its limit',
    ],
    [
      'a rolling update that can make no progress',
      (o: K8sObject[]) => void (find(o, 'Deployment', 'fraiseql-gateway').spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: 0 }),
      'maxSurge and maxUnavailable may not both be 0',
    ],
    ['the same object twice', (o: K8sObject[]) => [...o, find(o, 'ConfigMap', 'fraiseql-gateway')], 'is rendered twice'],
    [
      'a PodDisruptionBudget with both minAvailable and maxUnavailable',
      (o: K8sObject[]) => [
        ...o,
        {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: 'p' },
          spec: { minAvailable: 1, maxUnavailable: 1, selector: find(o, 'Deployment', 'fraiseql-gateway').spec.selector },
        },
      ],
      'minAvailable and maxUnavailable are exclusive',
    ],
    [
      'a HorizontalPodAutoscaler of a Deployment that is not rendered',
      (o: K8sObject[]) => [
        ...o,
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'h' },
          spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'fraiseql-absent' }, maxReplicas: 3 },
        },
      ],
      'Deployment fraiseql-absent is not rendered',
    ],
    [
      'a ServiceMonitor that does not fit its CRD schema',
      (o: K8sObject[]) => [
        ...o,
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: { name: 's' },
          spec: { selector: {}, endpoints: { port: 'ops' } },
        },
      ],
      'ServiceMonitor/s: spec.endpoints: must be array',
    ],
    [
      'a ServiceMonitor endpoint port the Service does not name',
      (o: K8sObject[]) => [
        ...o,
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: { name: 's' },
          spec: { selector: { matchLabels: { 'app.kubernetes.io/component': 'gateway' } }, endpoints: [{ port: 'metrics' }] },
        },
      ],
      'metrics is not a port name of every selected Service',
    ],
    [
      'a PrometheusRule that does not fit its CRD schema',
      (o: K8sObject[]) => [
        ...o,
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { name: 'r' },
          spec: { groups: [{ name: 'g', rules: [{ alert: 'A' }] }] },
        },
      ],
      'spec.groups.0.rules.0: must have required property expr',
    ],
    [
      'a KEDA ScaledObject that does not fit its CRD schema',
      (o: K8sObject[]) => [
        ...o,
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          metadata: { name: 'k' },
          spec: { scaleTargetRef: { name: 'fraiseql-gateway' } },
        },
      ],
      'ScaledObject/k: spec: must have required property triggers',
    ],
    [
      'an alert whose job selector matches no job the ServiceMonitors give',
      (o: K8sObject[]) => [
        ...o,
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: { name: 's' },
          spec: { selector: { matchLabels: { 'app.kubernetes.io/component': 'gateway' } }, endpoints: [{ port: 'ops' }] },
        },
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { name: 'r' },
          spec: { groups: [{ name: 'g', rules: [{ alert: 'Down', expr: 'up{job="gateway"} == 0' }] }] },
        },
      ],
      'Down: job="gateway" selects none of the jobs the ServiceMonitors give (fraiseql-gateway)',
    ],
    [
      'a Secret value that is not base64',
      (o: K8sObject[]) => void (find(o, 'Secret', 'fraiseql').data['redis-url'] = 'redis://redis:6379'),
      'data.redis-url: is not base64',
    ],
  ])('%s', (_what, mutate, expected) => {
    const findings = broken(mutate);
    expect(findings.join('\n')).toContain(expected);
  });

  it('accepts a reference to a Secret the values name as existing, and nothing else', () => {
    const mutate = (o: K8sObject[]) => void (gatewayContainer(o).env[0].valueFrom.secretKeyRef.name = 'auth');
    expect(broken(mutate, new Set(['auth']))).toEqual([]);
    expect(broken(mutate)).toEqual([expect.stringContaining('Secret auth is neither rendered nor named as an existing one')]);
  });

  it('maps apiVersion/kind to its model dynamically, CRDs included', () => {
    expect(modelFor('apps/v1', 'Deployment')?.kind).toBe('Deployment');
    expect(modelFor('v1', 'ConfigMap')?.apiVersion).toBe('v1');
    expect(modelFor('networking.k8s.io/v1', 'NetworkPolicy')?.kind).toBe('NetworkPolicy');
    expect(modelFor('monitoring.coreos.com/v1', 'PrometheusRule')?.kind).toBe('PrometheusRule');
    expect(modelFor('keda.sh/v1alpha1', 'TriggerAuthentication')?.kind).toBe('TriggerAuthentication');
    expect(modelFor('apps/v1', 'Widget')).toBeNull();
    expect(modelFor('extensions/v1beta1', 'Ingress')).toBeNull();
    expect([parseQuantity('500m'), parseQuantity('768Mi'), parseQuantity('1.5'), parseQuantity('abc')]).toEqual([
      0.5,
      768 * 2 ** 20,
      1.5,
      null,
    ]);
  });
});
