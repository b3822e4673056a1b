import { randomUUID } from 'node:crypto';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import { auditSubject } from '@fraiseql/nats-contract';
import { NatsApiClient } from '@fraiseql/nats-api';
import { SEARCH_API, type SearchApiResults } from '@fraiseql/search';
import { createLogger } from '@fraiseql/service-kit';
import { createTestDatabase, startNatsServer, waitFor, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { Registry } from 'prom-client';
import { createSink, type Sink } from '../src';
import { eventTime, openBus, ORG_A, ORG_B, type Bus } from './support';

// The audit log in the search store (docs/adr/0137-audit-log.md): with FRAISEQL_SINK_SEARCH_AUDIT the sink indexes
// FRAISEQL_AUDIT (consumer sink-audit) with the search writer, as entity type AuditEntry, scoped to each entry's org.

/** An audit entry as libs/audit encodes it (EntityEvent envelope). */
function auditEvent(orgId: string | null, action: string): EntityEvent {
  const id = randomUUID();
  const timestamp = eventTime();
  return {
    event_id: id,
    seq: Date.parse(timestamp) * 1000,
    event_type: action,
    entity_type: 'AuditEntry',
    entity_id: id,
    org_id: orgId,
    user_id: 'admin-1',
    timestamp,
    data: {
      kind: 'admin_action',
      action,
      outcome: 'ok',
      actor: { subject: 'admin-1', roles: ['admin'] },
      target: 'rule-7',
      source: 'query-executor',
      ip: null,
      requestId: null,
      code: null,
      details: { field: 'deleteObserver' },
    },
    before: null,
    changed_fields: [],
    schema_version: null,
  };
}

describe('sink audit indexing (real NATS JetStream, PostgreSQL search)', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let bus: Bus;
  let sink: Sink;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('fraiseql_sink_audit')]);
    bus = await openBus(nats.url);
    sink = await createSink({
      natsUrl: nats.url,
      dataplanes: ['search'],
      clickhouse: { database: 'unused', path: 'unused', retentionDays: 1, batch: { maxRows: 1000, maxBytes: 1 << 20, maxDelayMs: 100 } },
      search: {
        postgres: { connectionString: db.url, poolMax: 2, schema: 'fraiseql_search', textSearchConfig: 'simple' },
        batch: { maxRows: 100, maxBytes: 1 << 20, maxDelayMs: 50 },
        audit: true,
      },
      logger: createLogger({ service: 'sink', level: 'silent' }),
      registry: new Registry(),
    });
  }, 60_000);
  afterAll(async () => {
    await sink?.close();
    await bus?.close();
    await nats?.dispose();
    await db?.drop();
  });

  it("indexes audit entries as AuditEntry events, each visible to its own org's search only", async () => {
    const js = bus.nc.jetstream();
    const entryA = auditEvent(ORG_A, 'DELETE_OBSERVER');
    const entryB = auditEvent(ORG_B, 'PURGE_DEAD_LETTERS');
    for (const entry of [entryA, entryB]) {
      await js.publish(auditSubject(entry.org_id), encodeEntityEvent(entry), { msgID: entry.event_id });
    }
    const api = new NatsApiClient<typeof SEARCH_API, SearchApiResults>(bus.nc, SEARCH_API);
    const asOrg = (orgId: string) => ({ subject: 'admin-1', orgId, roles: ['admin'] });
    const search = (orgId: string) => api.call('events', { query: 'rule', entityType: 'AuditEntry', first: 10 }, asOrg(orgId));
    await waitFor(async () => (await search(ORG_A)).hits.length === 1 && (await search(ORG_B)).hits.length === 1, 10_000);
    expect((await search(ORG_A)).hits.map((h) => [h.eventId, h.entityType, h.eventType])).toEqual([
      [entryA.event_id, 'AuditEntry', 'DELETE_OBSERVER'],
    ]);
    expect((await search(ORG_B)).hits.map((h) => h.eventId)).toEqual([entryB.event_id]);
    expect(await bus.deadLetters()).toEqual([]);
  });
});
