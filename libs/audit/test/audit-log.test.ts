import { decodeEntityEvent } from '@fraiseql/events';
import { provisionJetStream, STREAMS } from '@fraiseql/nats-contract';
import { createLogger } from '@fraiseql/service-kit';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { AUDIT_ENTITY_TYPE, AuditLog, fromAuditEvent, type AuditEntryInput } from '../src';

const ORG = '6f1c1f53-3f5e-4c8e-9d1f-0a9e1d2c3b4a';
const logger = createLogger({ service: 'audit-test', level: 'silent' });

const entry = (action: string, extra: Partial<AuditEntryInput> = {}): AuditEntryInput => ({
  kind: 'admin_action',
  action,
  outcome: 'ok',
  orgId: ORG,
  actor: { subject: 'alice', roles: ['admin'] },
  ...extra,
});

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  const match = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return match?.value ?? 0;
}

async function storedEntries(nc: NatsConnection): Promise<ReturnType<typeof fromAuditEvent>[]> {
  const jsm = await nc.jetstreamManager();
  const count = (await jsm.streams.info(STREAMS.audit)).state.messages;
  const out = [];
  for (let seq = 1; seq <= count; seq++)
    out.push(fromAuditEvent(decodeEntityEvent((await jsm.streams.getMessage(STREAMS.audit, { seq })).data)));
  return out;
}

describe('AuditLog', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  beforeEach(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await provisionJetStream(nc);
  });
  afterEach(async () => {
    await nc.close();
    await server.dispose();
  });

  it('publishes an entry as an EntityEvent on fraiseql.v1.audit.<org> with Nats-Msg-Id = its id, stored once', async () => {
    const registry = new Registry();
    const log = new AuditLog({ nc, source: 'gateway', registry, logger });
    await log.recordNow(entry('CREATE_API_KEY', { kind: 'role_change', target: 'key-1', details: { roles: ['reader'] } }));
    const jsm = await nc.jetstreamManager();
    const stored = await jsm.streams.getMessage(STREAMS.audit, { seq: 1 });
    expect(stored.subject).toBe(`fraiseql.v1.audit.${ORG}`);
    const event = decodeEntityEvent(stored.data);
    expect(stored.header.get('Nats-Msg-Id')).toBe(event.event_id);
    expect(event).toMatchObject({
      entity_type: AUDIT_ENTITY_TYPE,
      entity_id: event.event_id,
      event_type: 'CREATE_API_KEY',
      org_id: ORG,
      user_id: 'alice',
      before: null,
      changed_fields: [],
      schema_version: null,
      data: {
        kind: 'role_change',
        action: 'CREATE_API_KEY',
        outcome: 'ok',
        actor: { subject: 'alice', roles: ['admin'] },
        target: 'key-1',
        source: 'gateway',
        details: { roles: ['reader'] },
      },
    });
    // UUID v7: version nibble 7, RFC variant.
    expect(event.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await metricValue(registry, 'fraiseql_audit_entries_total', { source: 'gateway', kind: 'role_change', outcome: 'ok' })).toBe(1);
  });

  it('an entry without an org goes to fraiseql.v1.audit._', async () => {
    const log = new AuditLog({ nc, source: 'gateway', registry: new Registry(), logger });
    await log.recordNow(entry('CREDENTIAL_REFUSED', { kind: 'credential_failure', outcome: 'refused', orgId: null, actor: null }));
    const stored = await (await nc.jetstreamManager()).streams.getMessage(STREAMS.audit, { seq: 1 });
    expect(stored.subject).toBe('fraiseql.v1.audit._');
    expect(decodeEntityEvent(stored.data)).toMatchObject({ org_id: null, user_id: null });
  });

  it('removes secrets from details and target: secret-named keys, API keys, JWTs, Authorization values', async () => {
    const log = new AuditLog({ nc, source: 'gateway', registry: new Registry(), logger });
    const apiKey = `fqk_0123456789abcdef_${'A'.repeat(43)}`;
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    await log.recordNow(
      entry('CREATE_API_KEY', {
        target: `key ${apiKey}`,
        details: {
          token: 'tok-value-1',
          nested: { clientSecret: 'secret-value-2', note: `Bearer ${jwt}`, list: [apiKey] },
          keyId: '0123456789abcdef',
        },
      }),
    );
    const raw = Buffer.from((await (await nc.jetstreamManager()).streams.getMessage(STREAMS.audit, { seq: 1 })).data).toString();
    for (const secret of [apiKey, jwt, 'tok-value-1', 'secret-value-2', 'A'.repeat(43)]) expect(raw).not.toContain(secret);
    const [stored] = await storedEntries(nc);
    expect(stored!.details).toEqual({
      token: '[redacted]',
      nested: { clientSecret: '[redacted]', note: '[redacted]', list: ['[redacted]'] },
      keyId: '0123456789abcdef',
    });
  });

  it('drops and counts entries beyond a full queue, and publishes the ones it kept', async () => {
    const registry = new Registry();
    const log = new AuditLog({ nc, source: 'gateway', registry, logger, queueLimit: 2 });
    // The first entry leaves the queue at once (being published); two wait; the last two find the queue full.
    const kept = ['A_1', 'A_2', 'A_3', 'A_4', 'A_5'].map((action) => log.record(entry(action)));
    expect(kept.map((e) => e !== null)).toEqual([true, true, true, false, false]);
    await log.close();
    expect(await metricValue(registry, 'fraiseql_audit_dropped_total', { source: 'gateway', reason: 'queue_full' })).toBe(2);
    expect((await storedEntries(nc)).map((e) => e.action)).toEqual(['A_1', 'A_2', 'A_3']);
    expect(await metricValue(registry, 'fraiseql_audit_entries_total', { source: 'gateway', kind: 'admin_action', outcome: 'ok' })).toBe(3);
  });

  it('never throws while NATS is down: record returns at once, recordNow resolves, both count a failed publish', async () => {
    const registry = new Registry();
    const log = new AuditLog({ nc, source: 'flight-server', registry, logger, publishTimeoutMs: 300 });
    await server.stop();
    expect(() => log.record(entry('RATE_LIMITED', { kind: 'rate_limited', outcome: 'refused' }))).not.toThrow();
    await expect(log.recordNow(entry('DELETE_OBSERVER'))).resolves.toBeUndefined();
    await log.close(10_000);
    expect(await metricValue(registry, 'fraiseql_audit_dropped_total', { source: 'flight-server', reason: 'publish_failed' })).toBe(2);
    expect(await metricValue(registry, 'fraiseql_audit_entries_total', { source: 'flight-server' })).toBe(0);
    await server.start();
  });
});
