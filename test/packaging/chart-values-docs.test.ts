// The chart's values are documented and checked: every value of helm/fraiseql/values.yaml has `## @param` metadata
// (Bitnami readme-generator form), helm/fraiseql/README.md is what scripts/gen-chart-readme.sh generates from it, and
// helm/fraiseql/values.schema.json (validated by helm itself on lint/template/install/upgrade) accepts the shipped
// values files and refuses wrong values with a message naming the value's path.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHART, HELM, ROOT, chartCases, ensureHelmExecutable, valueFiles } from './render';

const VALUES = path.join(CHART, 'values.yaml');
const README = path.join(CHART, 'README.md');
const SCHEMA_FILE = path.join(CHART, 'values.schema.json');

type Schema = {
  $schema?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  enum?: unknown[];
};
const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as Schema;

/** The `## @param` paths of values.yaml. */
function documentedPaths(): string[] {
  return [...fs.readFileSync(VALUES, 'utf8').matchAll(/^\s*## @param (\S+)/gm)].map((m) => m[1]!);
}

/** The schema node a dotted values path resolves to (through properties, then additionalProperties), or undefined. */
function schemaAt(dotted: string): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const key of dotted.split('.')) {
    if (!node) return undefined;
    const next: Schema | boolean | undefined = node.properties?.[key] ?? node.additionalProperties;
    node = typeof next === 'object' ? next : undefined;
  }
  return node;
}

function helm(args: string[]) {
  ensureHelmExecutable();
  return spawnSync(HELM, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

describe('chart values documentation (helm/fraiseql/values.yaml → README.md)', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'fraiseql-chart-docs-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('has metadata for every value, and README.md and values.schema.json are what scripts/gen-chart-readme.sh generates (no drift)', () => {
    const copy = path.join(work, 'README.md');
    const schemaCopy = path.join(work, 'values.schema.json');
    fs.copyFileSync(README, copy);
    const run = spawnSync('bash', [path.join(ROOT, 'scripts/gen-chart-readme.sh'), VALUES, copy, schemaCopy], { encoding: 'utf8' });
    const output = `${run.stdout}\n${run.stderr}`;
    // The generator prints "ERROR: Missing metadata for key: <path>" (or metadata for a key that does not exist) and fails.
    expect(output.split('\n').filter((l) => l.includes('ERROR'))).toEqual([]);
    expect(run.status).toBe(0);
    expect(fs.readFileSync(copy, 'utf8')).toBe(fs.readFileSync(README, 'utf8'));
    expect(fs.readFileSync(schemaCopy, 'utf8')).toBe(fs.readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('fails the generator for a value without metadata, naming it', () => {
    const values = path.join(work, 'values.yaml');
    fs.writeFileSync(values, `${fs.readFileSync(VALUES, 'utf8')}\nundocumentedValue: 1\n`);
    const copy = path.join(work, 'README-undocumented.md');
    fs.copyFileSync(README, copy);
    const run = spawnSync(
      'bash',
      [path.join(ROOT, 'scripts/gen-chart-readme.sh'), values, copy, path.join(work, 'schema-undocumented.json')],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain('Missing metadata for key: undocumentedValue');
  });

  it('documents every value with a description, sections and the intro the README needs', () => {
    const text = fs.readFileSync(VALUES, 'utf8');
    const bare = [...text.matchAll(/^\s*## @param (\S+)(?:\s+\[[^\]]*\])?\s*$/gm)].map((m) => m[1]);
    expect(bare).toEqual([]);
    expect(documentedPaths().length).toBeGreaterThan(350);
    for (const block of ['gateway', 'queryExecutor', 'flightServer', 'observerWorker', 'jobRunner', 'sink'])
      expect(text).toMatch(new RegExp(`^## @section Service ${block} `, 'm'));
    const readme = fs.readFileSync(README, 'utf8');
    // A `|` inside a description would split its table row.
    const brokenRows = readme.split('\n').filter((l) => l.startsWith('| `') && l.split('|').length !== 5);
    expect(brokenRows).toEqual([]);
    for (const needle of [
      '## Prerequisites',
      'Kubernetes 1.23+',
      'Helm 3.6+',
      'helm install',
      'helm upgrade',
      'docs/deploying.md',
      'docs/operations.md',
      '## Parameters',
    ])
      expect(readme).toContain(needle);
  });
});

describe('chart values schema (helm/fraiseql/values.schema.json)', () => {
  it('is draft-07 and has a schema node, with a type, for every documented value', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const missing = documentedPaths().filter((p) => schemaAt(p)?.type === undefined);
    expect(missing).toEqual([]);
    // Closed top-level blocks: a typo in a key is refused.
    for (const block of [
      'config',
      'auth',
      'externalDatabase',
      'jetstream',
      'exports',
      'metrics',
      'networkPolicy',
      'bundled',
      'componentDefaults',
      'gateway',
    ])
      expect(schema.properties?.[block]?.additionalProperties).toBe(false);
  });

  it.each(['values.yaml', ...valueFiles()])('accepts %s (helm lint --strict)', (file) => {
    const args = ['lint', '--strict', CHART, ...(file === 'values.yaml' ? [] : ['-f', path.join(CHART, file)])];
    const run = helm(args);
    expect(run.stderr + run.stdout).not.toContain("values don't meet the specifications");
    expect(run.status).toBe(0);
  });

  it('accepts every render the packaging tests use (default, values files, everything on)', () => {
    for (const c of chartCases()) {
      const run = helm(['template', c.release ?? 'fraiseql', CHART, ...c.args]);
      expect({ case: c.name, schemaErrors: run.stderr.includes('specifications of the schema') ? run.stderr : '' }).toEqual({
        case: c.name,
        schemaErrors: '',
      });
    }
  });

  // Each wrong value: the `--set` (or `--set-string`) that makes it, and the line helm prints for it.
  const wrong: Array<[string, string[], string]> = [
    [
      'a string replicaCount',
      ['--set-string', 'gateway.replicaCount=three'],
      '- gateway.replicaCount: Invalid type. Expected: integer, given: string',
    ],
    [
      'a negative replicaCount',
      ['--set', 'componentDefaults.replicaCount=-1'],
      '- componentDefaults.replicaCount: Must be greater than or equal to 0',
    ],
    ['port 70000', ['--set', 'gateway.containerPorts.http=70000'], '- gateway.containerPorts.http: Must be less than or equal to 65535'],
    [
      'port 0 for a new service block',
      ['--set', 'archiver.containerPorts.ops=0'],
      '- archiver.containerPorts.ops: Must be greater than or equal to 1',
    ],
    [
      'env "prod"',
      ['--set', 'config.env=prod'],
      '- config.env: config.env must be one of the following: "production", "development", "test"',
    ],
    ['an unknown log level', ['--set', 'config.logLevel=verbose'], '- config.logLevel: config.logLevel must be one of the following:'],
    [
      'an unknown key in a closed object',
      ['--set', 'externalDatabase.uri=postgres://db/x'],
      '- externalDatabase: Additional property uri is not allowed',
    ],
    ['an unknown key in a service block', ['--set', 'gateway.replicas=3'], '- gateway: Additional property replicas is not allowed'],
    ['a non-URL NATS url', ['--set', 'externalNats.url=nats-server:4222'], '- externalNats.url: Does not match pattern'],
    ['a MySQL database URL', ['--set', 'externalDatabase.url=mysql://db:3306/x'], '- externalDatabase.url: Does not match pattern'],
    ['a Redis URL without scheme', ['--set', 'externalRedis.url=redis:6379'], '- externalRedis.url: Does not match pattern'],
    [
      'an OTLP endpoint without scheme',
      ['--set', 'otel.exporterOtlpEndpoint=collector:4318'],
      '- otel.exporterOtlpEndpoint: Does not match pattern',
    ],
    [
      'board "yes"',
      ['--set', 'jobRunner.settings.board=yes'],
      '- jobRunner.settings.board: jobRunner.settings.board must be one of the following: "", "off", "read-only", "read-write"',
    ],
    ['jetstream.replicas 7', ['--set', 'jetstream.replicas=7'], '- jetstream.replicas: Must be less than or equal to 5'],
    ['a duration with a bad unit', ['--set', 'jetstream.events.maxAge=7days'], '- jetstream.events.maxAge: Does not match pattern'],
    ['unknown dataplanes', ['--set', 'sink.settings.dataplanes=kafka'], '- sink.settings.dataplanes: Does not match pattern'],
    [
      'a service type Ingress',
      ['--set', 'componentDefaults.service.type=Ingress'],
      '- componentDefaults.service.type: componentDefaults.service.type must be one of the following: "ClusterIP", "NodePort", "LoadBalancer"',
    ],
    [
      'an unknown resources preset',
      ['--set', 'sink.resourcesPreset=huge'],
      '- sink.resourcesPreset: sink.resourcesPreset must be one of the following:',
    ],
    [
      'an unknown topology spread preset',
      ['--set', 'componentDefaults.topologySpreadPreset=zones'],
      '- componentDefaults.topologySpreadPreset: componentDefaults.topologySpreadPreset must be one of the following: "", "soft", "hard"',
    ],
    [
      'an unknown anti-affinity preset',
      ['--set', 'gateway.podAntiAffinityPreset=strict'],
      '- gateway.podAntiAffinityPreset: gateway.podAntiAffinityPreset must be one of the following: "", "soft", "hard"',
    ],
    [
      'pull policy "Sometimes"',
      ['--set', 'image.pullPolicy=Sometimes'],
      '- image.pullPolicy: image.pullPolicy must be one of the following: "Always", "IfNotPresent", "Never"',
    ],
    [
      'an unknown secret reference',
      ['--set', 'gateway.secretEnv.FRAISEQL_X=password'],
      '- gateway.secretEnv.FRAISEQL_X: gateway.secretEnv.FRAISEQL_X must be one of the following:',
    ],
    [
      'a ClickHouse batch below 1000 rows',
      ['--set', 'sink.settings.batchRows=10'],
      '- sink.settings.batchRows: Must be greater than or equal to 1000',
    ],
    [
      'a non-numeric setting',
      ['--set', 'observerWorker.settings.concurrency=many'],
      "- observerWorker.settings.concurrency: Does not match pattern '^[0-9]*$'",
    ],
    [
      'an SMTP URL without scheme',
      ['--set', 'observerWorker.settings.smtpUrl=mail:25'],
      '- observerWorker.settings.smtpUrl: Does not match pattern',
    ],
    [
      'a boolean given as a string',
      ['--set-string', 'networkPolicy.enabled=yes'],
      '- networkPolicy.enabled: Invalid type. Expected: boolean, given: string',
    ],
    ['an unknown Helm hook', ['--set', 'provisioning.hooks=before-install'], '- provisioning.hooks: Does not match pattern'],
    [
      'a scrape interval without unit',
      ['--set-string', 'metrics.serviceMonitor.interval=30'],
      '- metrics.serviceMonitor.interval: Does not match pattern',
    ],
    ['an export store of another kind', ['--set', 'exports.store=gs://bucket'], '- exports.store: Does not match pattern'],
    ['a non-object top-level value', ['--set', 'gatway=1'], '- gatway: Invalid type. Expected: object, given: integer'],
  ];

  it.each(wrong)('refuses %s with a message naming its path', (_what, args, message) => {
    const run = helm(['template', 'fraiseql', CHART, ...args]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("values don't meet the specifications of the schema(s)");
    expect(run.stderr).toContain(message);
  });
});
