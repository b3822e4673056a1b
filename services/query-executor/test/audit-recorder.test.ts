import { connect, headers, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { completeAuditEntry, toAuditEvent } from '@fraiseql/audit';
import { decodeDeadLetter, provisionJetStream, STREAMS, auditSubject } from '@fraiseql/nats-contract';
import { encodeEntityEvent } from '@fraiseql/events';
import { applyMigrations, FRAMEWORK_MIGRATIONS_DIR } from '@fraiseql/pg-migrations';
import { createLogger } from '@fraiseql/service-kit';
import { createTestDatabase, startNatsServer, waitFor, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import type { EventConsumer } from '@fraiseql/jetstream-consumer';
import { startAuditRecorder } from '../src/audit/start-audit-recorder';

// The recorder (ADR 0137): FRAISEQL_AUDIT → fraiseql.tb_audit_log, once per audit_id, malformed messages dead-lettered.

const ORG = '2b8f3c8e-5d1a-4b6e-9c3f-7a1d2e3f4a5b';
const logger = createLogger({ service: 'audit-recorder-test', level: 'silent' });

describe('audit recorder', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let nc: NatsConnection;
  let pool: Pool;
  let recorder: EventConsumer | undefined;
  const registry = new Registry();
  const metric = async (name: string): Promise<number> =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((sum, v) => sum + v.value, 0);

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('wt_audit_recorder')]);
    await applyMigrations({ connectionString: db.url, directories: [FRAMEWORK_MIGRATIONS_DIR] });
    nc = await connect({ servers: nats.url });
    await provisionJetStream(nc);
    pool = new Pool({ connectionString: db.url, max: 2 });
    recorder = await startAuditRecorder({ nc, pool, logger, registry, settings: { enabled: true } });
  }, 60_000);
  afterAll(async () => {
    await recorder?.drain(5000);
    await nc?.close();
    await pool?.end();
    await nats?.dispose();
    await db?.drop();
  });

  const rows = async (id: string) =>
    (
      await pool.query(
        'SELECT audit_id::text, org_id::text, kind, action, outcome, actor_subject, actor_roles, target, source, details FROM fraiseql.tb_audit_log WHERE audit_id = $1',
        [id],
      )
    ).rows;

  it('writes an entry delivered twice (different Nats-Msg-Id, same event_id) once', async () => {
    const entry = completeAuditEntry(
      {
        kind: 'role_change',
        action: 'CREATE_API_KEY',
        outcome: 'ok',
        orgId: ORG,
        actor: { subject: 'alice', roles: ['admin'] },
        target: 'k1',
        details: { roles: ['reader'] },
      },
      'query-executor',
    );
    const payload = encodeEntityEvent(toAuditEvent(entry));
    const js = nc.jetstream();
    await js.publish(auditSubject(ORG), payload, { msgID: `${entry.id}-a` });
    await js.publish(auditSubject(ORG), payload, { msgID: `${entry.id}-b` });
    expect((await (await nc.jetstreamManager()).streams.info(STREAMS.audit)).state.messages).toBeGreaterThanOrEqual(2);
    // Both deliveries handled at the first attempt (the second is a no-op, not a failed insert retried), one row.
    const jsm = await nc.jetstreamManager();
    await waitFor(async () => {
      const info = await jsm.consumers.info(STREAMS.audit, 'query-executor-audit');
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, 10_000);
    expect(await metric('fraiseql_audit_recorder_events_processed_total')).toBe(2);
    expect(await metric('fraiseql_audit_recorder_events_failed_total')).toBe(0);
    expect(await rows(entry.id)).toEqual([
      {
        audit_id: entry.id,
        org_id: ORG,
        kind: 'role_change',
        action: 'CREATE_API_KEY',
        outcome: 'ok',
        actor_subject: 'alice',
        actor_roles: ['admin'],
        target: 'k1',
        source: 'query-executor',
        details: { roles: ['reader'] },
      },
    ]);
  });

  it('dead-letters a malformed message to FRAISEQL_DLQ and still writes the next good one', async () => {
    const js = nc.jetstream();
    const h = headers();
    await js.publish(auditSubject(ORG), new TextEncoder().encode('{"not":"an event"}'), { msgID: 'malformed-1', headers: h });
    // An EntityEvent that is not an audit entry is refused too.
    const foreign = {
      ...toAuditEvent(completeAuditEntry({ kind: 'admin_action', action: 'X', outcome: 'ok', orgId: ORG, actor: null }, 'test')),
      entity_type: 'Order',
    };
    await js.publish(auditSubject(ORG), encodeEntityEvent(foreign), { msgID: 'foreign-1' });
    const good = completeAuditEntry(
      { kind: 'admin_action', action: 'DELETE_OBSERVER', outcome: 'refused', orgId: ORG, actor: null, code: 'FRAISEQL_FORBIDDEN' },
      'query-executor',
    );
    await js.publish(auditSubject(ORG), encodeEntityEvent(toAuditEvent(good)), { msgID: good.id });

    await waitFor(async () => (await rows(good.id)).length === 1, 10_000);
    const jsm = await nc.jetstreamManager();
    await waitFor(async () => (await jsm.streams.info(STREAMS.dlq)).state.messages === 2, 10_000);
    const letters = [1, 2].map(async (seq) => decodeDeadLetter((await jsm.streams.getMessage(STREAMS.dlq, { seq })).data));
    const decoded = await Promise.all(letters);
    expect(decoded.map((l) => [l.source, l.error.code, l.stream]).sort()).toEqual([
      ['query-executor-audit', 'FRAISEQL_BAD_MESSAGE', 'FRAISEQL_AUDIT'],
      ['query-executor-audit', 'FRAISEQL_BAD_MESSAGE', 'FRAISEQL_AUDIT'],
    ]);
    expect(decoded.some((l) => l.raw_base64 !== null && Buffer.from(l.raw_base64, 'base64').toString() === '{"not":"an event"}')).toBe(
      true,
    );
    const { rows: count } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM fraiseql.tb_audit_log WHERE source = 'test'`);
    expect(count[0]!.n).toBe(0);
  });

  it('refuses to change a recorded entry: the table is append-only', async () => {
    const entry = completeAuditEntry(
      { kind: 'admin_action', action: 'PURGE_DEAD_LETTERS', outcome: 'ok', orgId: ORG, actor: null },
      'query-executor',
    );
    await nc.jetstream().publish(auditSubject(ORG), encodeEntityEvent(toAuditEvent(entry)), { msgID: entry.id });
    await waitFor(async () => (await rows(entry.id)).length === 1, 10_000);
    await expect(pool.query(`UPDATE fraiseql.tb_audit_log SET outcome = 'refused' WHERE audit_id = $1`, [entry.id])).rejects.toThrow(
      /append-only/,
    );
    await pool.query('DELETE FROM fraiseql.tb_audit_log WHERE audit_id = $1', [entry.id]);
    expect(await rows(entry.id)).toEqual([]);
  });
});
