import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { Gateway } from '@fraiseql/gateway';
import { LocalDirectoryStore } from '@fraiseql/job-export';
import { createJobRunner, type JobRunner } from '@fraiseql/job-runner';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { createLogger } from '@fraiseql/service-kit';
import { DEMO_ORG_IDS, migrateShop, parseScale, seedShop } from '@fraiseql/shop';
import {
  createTestDatabase,
  GraphqlWsClient,
  loadChdb,
  startNatsServer,
  startRedisServer,
  waitFor,
  type TestDatabase,
  type TestNatsServer,
  type TestRedisServer,
} from '@fraiseql/testkit';
import { connect } from 'nats';
import { Client } from 'pg';
import { STREAMS } from '@fraiseql/nats-contract';
import { graphql, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';

// The job API over real HTTP and WebSocket (issue 10): an org admin enqueues an export through the gateway,
// follows it with the jobChanged subscription, asks for a signed download and fetches the file from the gateway;
// the executor answers the job fields through the real job-runner. Another org sees, cancels and downloads nothing.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ORG_1, ORG_2] = DEMO_ORG_IDS;
const SIGNING_KEY = 'e2e-export-signing-key-of-at-least-32-chars';

describe('jobs over HTTP: enqueueExport → jobChanged → exportDownload → GET /v1/exports (gateway, executor, job-runner)', () => {
  let nats: TestNatsServer;
  let redis: TestRedisServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let runner: JobRunner;
  let directory: string;
  let gatewayLogs: () => string[];

  beforeAll(async () => {
    [nats, redis, db] = await Promise.all([startNatsServer(), startRedisServer(), createTestDatabase('fraiseql_jobs_e2e')]);
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: parseScale('1k') });
    directory = mkdtempSync(join(tmpdir(), 'fraiseql-e2e-exports-'));
    executor = await startExecutor({ nats, db }, { schemaSource: SHOP_SCHEMA });
    ({ gateway, logs: gatewayLogs } = await startGateway(
      { nats, db },
      { schemaSource: SHOP_SCHEMA, exportDownloads: { files: new LocalDirectoryStore(directory), signingKey: SIGNING_KEY } },
    ));
    runner = await createJobRunner({
      natsUrl: nats.url,
      redisUrl: redis.url,
      queueName: 'e2e-jobs',
      redisPrefix: 'fraiseql',
      concurrency: 2,
      lockMs: 5000,
      maxStalled: 1,
      watchdogGraceMs: 1000,
      keepSucceededMs: 3_600_000,
      keepDeadMs: 3_600_000,
      apiMaxInFlight: 64,
      export: {
        databaseUrl: db.url,
        poolMax: 2,
        store: { FRAISEQL_EXPORT_STORE: `local:${directory}` },
        signingKey: SIGNING_KEY,
        linkTtlMs: 60_000,
        schemaSource: SHOP_SCHEMA,
      },
      allowTargets: [],
      board: 'off',
      logger: createLogger({ service: 'job-runner', level: 'silent' }),
      registry: new Registry(),
    });
  });

  afterAll(async () => {
    await runner?.close();
    await gateway?.close();
    await executor?.close();
    await redis?.dispose();
    await nats?.dispose();
    await db?.drop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it("exports the org's orders to Parquet, announces each step, and serves the file through a signed link", async () => {
    const admin = await jwtFor({ sub: 'e2e-exporter', org_id: ORG_1, roles: ['exporter'] });
    const otherOrg = await jwtFor({ sub: 'e2e-admin-2', org_id: ORG_2, roles: ['admin'] });
    const ws = await GraphqlWsClient.connect(gateway.address.replace('http', 'ws') + '/graphql', { authorization: `Bearer ${admin}` });
    try {
      ws.subscribe('j', 'subscription($id: ID!) { jobChanged(id: $id) { id event attempt result errorCode } }', { id: 'orders-1' });
      // The subscription is bound once its JetStream consumer exists: from then on no step is missed.
      const nc = await connect({ servers: nats.url });
      const jsm = await nc.jetstreamManager();
      await waitFor(async () => (await jsm.consumers.list(STREAMS.jobs).next()).length === 1 || ws.errorOf('j') !== undefined);
      await nc.close();
      expect(ws.errorOf('j')).toBeUndefined();

      const enqueued = await graphql(
        gateway,
        {
          query: `mutation($input: EnqueueExportInput!) { enqueueExport(input: $input) { id type state } }`,
          variables: { input: { format: 'PARQUET', source: { kind: 'view', view: 'va_order' }, jobId: 'orders-1' } },
        },
        { token: admin },
      );
      expect(enqueued.body.errors).toBeUndefined();
      expect(enqueued.body.data).toMatchObject({ enqueueExport: { id: 'orders-1', type: 'export' } });

      await waitFor(() => ws.data('j').some((d) => d.jobChanged.event === 'SUCCEEDED' || d.jobChanged.event === 'DEAD'), 30_000);
      const events = ws.data('j').map((d) => d.jobChanged);
      expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['QUEUED', 'STARTED', 'SUCCEEDED']));
      const result = events.find((e) => e.event === 'SUCCEEDED')!.result as { rows: number; sha256: string; format: string };
      expect(result.format).toBe('parquet');

      // As many rows as the org has orders in PostgreSQL, read back by an independent Parquet reader.
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      const { rows } = await pg.query<{ n: string }>('SELECT count(*) AS n FROM va_order WHERE org_id = $1', [ORG_1]);
      await pg.end();
      expect(result.rows).toBe(Number(rows[0]!.n));
      expect(result.rows).toBeGreaterThan(0);

      const job = await graphql(gateway, { query: `{ job(id: "orders-1") { state result } }` }, { token: admin });
      expect(job.body.data).toMatchObject({ job: { state: 'SUCCEEDED' } });
      const link = await graphql(gateway, { query: `{ exportDownload(id: "orders-1") { url expiresAt } }` }, { token: admin });
      const { url } = (link.body.data as { exportDownload: { url: string } }).exportDownload;
      expect(url).toMatch(/^\/v1\/exports\//);
      const file = await fetch(`${gateway.address}${url}`);
      if (file.status !== 200) throw new Error(`${file.status} ${await file.text()} ${gatewayLogs().join('\n')}`);
      expect(file.headers.get('content-disposition')).toContain('orders-1.parquet');
      const bytes = Buffer.from(await file.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.sha256);
      const path = join(directory, 'downloaded.parquet');
      writeFileSync(path, bytes);
      expect(Number(loadChdb().query(`SELECT count() FROM file('${path}', 'Parquet')`, 'TSV').trim())).toBe(result.rows);

      // Another org: nothing to see, cancel or download; a forged link is refused.
      const other = await graphql(gateway, { query: `{ job(id: "orders-1") { id } }` }, { token: otherOrg });
      expect(other.body.data).toEqual({ job: null });
      const otherLink = await graphql(gateway, { query: `{ exportDownload(id: "orders-1") { url } }` }, { token: otherOrg });
      expect(otherLink.body.errors?.[0]?.extensions?.code).toBe('FRAISEQL_JOB_NOT_FOUND');
      const forged = await fetch(`${gateway.address}${url.slice(0, -2)}xx`);
      expect(forged.status).toBe(403);
    } finally {
      await ws.close();
    }
  }, 60_000);

  it('exports a GraphQL list query in each format for its creator: nested fields become path columns, only the org’s rows', async () => {
    const exporter = await jwtFor({ sub: 'e2e-exporter', org_id: ORG_1, roles: ['exporter'] });
    const enqueue = (source: object, jobId: string, format = 'CSV') =>
      graphql(
        gateway,
        {
          query: `mutation($input: EnqueueExportInput!) { enqueueExport(input: $input) { id state } }`,
          variables: { input: { format, source, jobId } },
        },
        { token: exporter },
      );

    // Refused at enqueue, naming the field: a field Order lacks, a lookup (not a list), a mutation.
    for (const query of ['{ orders { id nope } }', '{ order(id: "00000000-0000-0000-0000-000000000000") { id } }', 'mutation { x }']) {
      const refused = await enqueue({ kind: 'graphql', query }, 'refused-1');
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('FRAISEQL_JOB_PAYLOAD_INVALID');
      expect(refused.body.errors?.[0]?.message).toMatch(/^payload\.source\.query: /);
    }
    // A list the exporter may not read through GraphQL is not exported for it either.
    const forbidden = await enqueue({ kind: 'graphql', query: '{ observers { id name } }' }, 'refused-1');
    expect(forbidden.body.errors?.[0]?.extensions?.code).toBe('FRAISEQL_FORBIDDEN');
    expect(forbidden.body.errors?.[0]?.message).toMatch(/^payload\.source\.query: Reading observers needs the role admin/);
    const none = await graphql(gateway, { query: `{ job(id: "refused-1") { id } }` }, { token: exporter });
    expect(none.body.data).toEqual({ job: null });

    const query =
      'query Export($status: OrderStatus) { orders(where: { status: { eq: $status } }) { id total buyer: customer { email } } }';
    // A uuid is text in CSV and 16 bytes (FixedSizeBinary) in Parquet and Arrow: compared as 32 hex digits.
    for (const [format, reader, hexId] of [
      ['CSV', 'CSVWithNames', "replace(toString(id), '-', '')"],
      ['PARQUET', 'Parquet', 'lower(hex(id))'],
      ['ARROW', 'ArrowStream', 'lower(hex(id))'],
    ] as const) {
      const jobId = `orders-gql-${format.toLowerCase()}`;
      const ok = await enqueue({ kind: 'graphql', query, operationName: 'Export', variables: { status: 'PAID' } }, jobId, format);
      expect(ok.body.errors).toBeUndefined();
      let result: { rows: number; key: string } | undefined;
      await waitFor(async () => {
        const job = await graphql(gateway, { query: `{ job(id: "${jobId}") { state result errorCode } }` }, { token: exporter });
        const view = (job.body.data as { job: { state: string; result: typeof result; errorCode: string | null } }).job;
        if (view.state === 'DEAD') throw new Error(`export died: ${view.errorCode}`);
        result = view.result;
        return view.state === 'SUCCEEDED';
      }, 30_000);

      const path = join(directory, result!.key);
      const read = loadChdb().query(
        `SELECT count(), sum(toDecimal128(toString(total), 2)), countIf(position(\`buyer.email\`, '@') > 0), ` +
          `arrayStringConcat(groupArray(${hexId}), ',') FROM file('${path}', '${reader}')`,
        'TSV',
      );
      const [count, total, withEmail, ids] = read.trim().split('\t');
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      const [expected, mine] = await Promise.all([
        pg.query<{ n: string; total: string }>(
          "SELECT count(*) AS n, sum(total)::text AS total FROM va_order WHERE org_id = $1 AND status = 'PAID'",
          [ORG_1],
        ),
        pg.query<{ n: string }>("SELECT count(*) AS n FROM va_order WHERE org_id = $1 AND replace(id::text, '-', '') = ANY($2)", [
          ORG_1,
          ids!.split(','),
        ]),
      ]).finally(() => pg.end());
      expect(Number(count)).toBe(result!.rows);
      expect(Number(count)).toBe(Number(expected.rows[0]!.n));
      expect(Number(count)).toBeGreaterThan(0);
      expect(total).toBe(expected.rows[0]!.total);
      expect(Number(withEmail)).toBe(Number(count)); // the nested object's field, as a column named by its path
      expect(Number(mine.rows[0]!.n)).toBe(Number(count)); // every row is one of org 1's orders
    }
  }, 60_000);

  it("cross-tenant: another org's admin can neither list, cancel, retry, purge nor follow org 1's job (the attack suite's jobs path)", async () => {
    const otherOrg = await jwtFor({ sub: 'e2e-attacker', org_id: ORG_2, roles: ['admin', 'jobs:admin', 'exporter'] });
    const seen: string[] = [];
    const ask = async (query: string) => {
      const answer = await graphql(gateway, { query }, { token: otherOrg });
      seen.push(answer.text);
      return answer;
    };
    const listed = await ask(`{ jobs(first: 100) { jobs { id } } deadJobs(first: 100) { jobs { id } } }`);
    expect(listed.body.errors).toBeUndefined();
    for (const mutation of [
      `cancelJob(id: "orders-1") { id }`,
      `retryJob(id: "orders-1") { id }`,
      `purgeDeadJobs(ids: ["orders-1"]) { purged }`,
    ]) {
      expect((await ask(`mutation { ${mutation} }`)).body.errors?.[0]?.extensions.code).toBe('FRAISEQL_JOB_NOT_FOUND');
    }
    const ws = await GraphqlWsClient.connect(gateway.address.replace('http', 'ws') + '/graphql', { authorization: `Bearer ${otherOrg}` });
    try {
      ws.subscribe('j', 'subscription { jobChanged(id: "orders-1") { id event } }');
      // Org 1 runs its job again; the other org's subscriber of the same id hears nothing of it.
      const admin = await jwtFor({ sub: 'e2e-exporter', org_id: ORG_1, roles: ['admin', 'exporter'] });
      const retried = await graphql(gateway, { query: `mutation { retryJob(id: "orders-1") { id } }` }, { token: admin });
      expect(retried.body.errors).toBeUndefined();
      await waitFor(
        async () => (await graphql(gateway, { query: `{ job(id: "orders-1") { state } }` }, { token: admin })).text.includes('SUCCEEDED'),
        30_000,
      );
      seen.push(JSON.stringify(ws.data('j')));
      expect(ws.data('j')).toEqual([]);
    } finally {
      await ws.close();
    }
    // The id is the attacker's own guess (echoed in "not found"); what belongs to org 1 is the job's creator and its result.
    const owner = await jwtFor({ sub: 'e2e-exporter', org_id: ORG_1, roles: ['exporter'] });
    const mine = await graphql(gateway, { query: `{ job(id: "orders-1") { createdBy result } }` }, { token: owner });
    const { createdBy, result } = mine.body.data.job as { createdBy: string; result: { sha256: string } };
    const all = seen.join('\n');
    expect(all).not.toContain(createdBy);
    expect(all).not.toContain(result.sha256);
  }, 60_000);
});
