import { join } from 'node:path';
import { connect, nanos, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { CONSUMERS, KV_BUCKETS, STREAMS } from '@fraiseql/nats-contract';
import {
  createTestDatabase,
  freePort,
  startNatsServer,
  runServiceProcessToEnd,
  jetStreamDurableState,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestDatabase,
  type TestNatsServer,
} from '@fraiseql/testkit';

// `node service/provision.js` of the query-executor (src/provision.ts, run as the Job runs it: its own process, the
// service's environment) against a fresh database and a private JetStream: twice (the second changes nothing), then
// the service itself starts on what it provisioned and changes nothing either; an unreachable PostgreSQL fails the run
// with FRAISEQL_PROVISION_FAILED once the time bound has passed.

const PROVISION = join(__dirname, '../src/provision.ts');
const MAIN = join(__dirname, '../src/main.ts');
const DAY_MS = 86_400_000;

describe('query-executor provision (src/provision.ts)', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let nc: NatsConnection;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('fraiseql_h6_provision')]);
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await nc?.close();
    await nats?.dispose();
    await db?.drop();
  });

  const env = (): Record<string, string> => ({
    FRAISEQL_NATS_URL: nats.url,
    FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: db.url,
    // Not the defaults: a later start that provisioned with defaults would show.
    FRAISEQL_EVENTS_MAX_AGE: '3d',
    FRAISEQL_EVENTS_MAX_BYTES: '100000000',
    FRAISEQL_LOG_LEVEL: 'info',
  });

  const migrationRows = async (): Promise<Array<{ version: string; name: string; checksum: string }>> => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query('SELECT version, name, checksum FROM fraiseql.schema_migrations ORDER BY version')).rows;
    } finally {
      await client.end();
    }
  };
  const fraiseqlTables = async (): Promise<string[]> => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'fraiseql' ORDER BY 1`,
      );
      return rows.map((r) => r.name);
    } finally {
      await client.end();
    }
  };

  it('applies migrations/postgres and creates the streams, KV buckets and audit consumer; a second run changes nothing; the service starts on them unchanged', async () => {
    const first = await runServiceProcessToEnd(PROVISION, env());
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const done = first.lines.find((l) => l.msg === 'query-executor provisioned')!;
    expect(done.postgres).toEqual({
      applied: [
        '0001_fraiseql_core',
        '0002_fraiseql_change_log',
        '0003_fraiseql_idempotency',
        '0004_fraiseql_flight_role',
        '0005_fraiseql_observers',
        '0006_fraiseql_row_level_security',
        '0007_fraiseql_api_keys',
        '0008_fraiseql_audit_log',
        '0009_fraiseql_change_log_fillfactor',
      ],
    });
    expect(done.streams).toEqual({
      [STREAMS.events]: 'created',
      [STREAMS.dlq]: 'created',
      [STREAMS.jobs]: 'created',
      [STREAMS.replay]: 'created',
      [STREAMS.audit]: 'created',
    });
    expect(done.buckets).toEqual({
      [KV_BUCKETS.schema]: 'created',
      [KV_BUCKETS.observers]: 'created',
      [KV_BUCKETS.apiKeys]: 'created',
      [KV_BUCKETS.documents]: 'created',
    });
    expect(done.consumers).toEqual({ [CONSUMERS.queryExecutorAudit]: 'created' });

    const migrated = await migrationRows();
    expect(migrated.map((r) => `${r.version}_${r.name}`)).toEqual(done.postgres && (done.postgres as { applied: string[] }).applied);
    const tables = await fraiseqlTables();
    expect(tables).toEqual(expect.arrayContaining(['schema_migrations', 'tb_entity_change_log', 'tb_observer', 'tb_audit_log']));
    const state = await jetStreamDurableState(nc);
    expect(Object.keys(state.streams).sort()).toEqual(
      [
        STREAMS.audit,
        STREAMS.dlq,
        STREAMS.events,
        STREAMS.jobs,
        STREAMS.replay,
        `KV_${KV_BUCKETS.apiKeys}`,
        `KV_${KV_BUCKETS.documents}`,
        `KV_${KV_BUCKETS.observers}`,
        `KV_${KV_BUCKETS.schema}`,
      ].sort(),
    );
    expect(state.streams[STREAMS.events]).toMatchObject({ max_age: nanos(3 * DAY_MS), max_bytes: 100_000_000, num_replicas: 1 });
    expect(state.streams[`KV_${KV_BUCKETS.schema}`]).toMatchObject({ max_msgs_per_subject: 10 });
    expect(Object.keys(state.consumers)).toEqual([`${STREAMS.audit}/${CONSUMERS.queryExecutorAudit}`]);
    expect(state.consumers[`${STREAMS.audit}/${CONSUMERS.queryExecutorAudit}`]).toMatchObject({
      durable_name: CONSUMERS.queryExecutorAudit,
      ack_policy: 'explicit',
      max_deliver: 20,
      filter_subject: 'fraiseql.v1.audit.>',
    });

    // Again: every store is reported unchanged and is exactly as before.
    const second = await runServiceProcessToEnd(PROVISION, env());
    expect(second.code).toBe(0);
    const again = second.lines.find((l) => l.msg === 'query-executor provisioned')!;
    expect(again.postgres).toEqual({ applied: [] });
    expect(Object.values(again.streams as object)).toEqual(Array(5).fill('unchanged'));
    expect(Object.values(again.buckets as object)).toEqual(Array(4).fill('unchanged'));
    expect(again.consumers).toEqual({ [CONSUMERS.queryExecutorAudit]: 'unchanged' });
    expect(await migrationRows()).toEqual(migrated);
    expect(await fraiseqlTables()).toEqual(tables);
    expect(await jetStreamDurableState(nc)).toEqual(state);

    // The service itself on the provisioned stores: it starts, and its start-up provisioning changes nothing.
    const opsPort = await freePort();
    const service = startServiceProcess(MAIN, {
      ...env(),
      FRAISEQL_SCHEMA_SOURCE: 'kv',
      FRAISEQL_CURSOR_SECRET: 'h6-provision-cursor-secret-of-32-characters',
      FRAISEQL_QUERY_EXECUTOR_OPS_PORT: String(opsPort),
    });
    processes.push(service);
    await waitFor(() => service.stdout().includes('"query-executor started"') || service.child.exitCode !== null, 60_000);
    expect(service.stderr()).toBe('');
    expect(service.stdout()).toContain('"query-executor started"');
    expect(await jetStreamDurableState(nc)).toEqual(state);
    expect(await migrationRows()).toEqual(migrated);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  }, 120_000);

  it('stops at once, without retrying, when an applied migration was edited (FRAISEQL_MIGRATION_CHECKSUM_MISMATCH)', async () => {
    const own = await createTestDatabase('fraiseql_h6_provision');
    try {
      const ownEnv = { ...env(), FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: own.url };
      expect((await runServiceProcessToEnd(PROVISION, ownEnv)).code).toBe(0);
      const client = new Client({ connectionString: own.url });
      await client.connect();
      await client
        .query(`UPDATE fraiseql.schema_migrations SET checksum = repeat('0', 64) WHERE version = '0002'`)
        .finally(() => client.end());

      const failed = await runServiceProcessToEnd(PROVISION, ownEnv);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(
        /^query-executor provision failed: FRAISEQL_PROVISION_FAILED: query-executor provision: attempt 1 failed and cannot be retried; last error \(FRAISEQL_MIGRATION_CHECKSUM_MISMATCH\)/,
      );
      expect(failed.lines.filter((l) => l.msg === 'query-executor provision: attempt failed, retrying')).toEqual([]);
    } finally {
      await own.drop();
    }
  }, 60_000);

  it('retries an unreachable PostgreSQL on a schedule, then exits 1 with FRAISEQL_PROVISION_FAILED once its time bound has passed', async () => {
    const closedPort = await freePort();
    const failed = await runServiceProcessToEnd(PROVISION, {
      ...env(),
      FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/fraiseql_h6_provision`,
      FRAISEQL_QUERY_EXECUTOR_PROVISION_TIMEOUT_MS: '3000',
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^query-executor provision failed: FRAISEQL_PROVISION_FAILED: query-executor provision: not done within 3000 ms .*FRAISEQL_DB_UNAVAILABLE/,
    );
    const retries = failed.lines.filter((l) => l.msg === 'query-executor provision: attempt failed, retrying');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.map((l) => l.code)).toEqual(retries.map(() => 'FRAISEQL_DB_UNAVAILABLE'));
    expect(failed.lines.at(-1)).toMatchObject({ msg: 'query-executor provision failed', code: 'FRAISEQL_PROVISION_FAILED' });
  }, 60_000);
});
