import { eventSubject } from '@fraiseql/nats-contract';
import { changeLogRowToEvent, type ChangeLogRow } from '@fraiseql/events';
import { waitFor } from '@fraiseql/testkit';
import {
  duplicatesAndMissing,
  insertChangeLogRows,
  metricValue,
  ORG_A,
  readEventStream,
  startChangeLogStack,
  streamMessageCount,
  unpublishedCount,
  type ChangeLogStack,
} from './fixtures/change-log-stack';

const ROW_COLUMNS = `seq, event_id::text, org_id::text, user_id, entity_type, entity_id, event_type, data, before, changed_fields,
  schema_version, fraiseql.to_iso8601(created_at) AS timestamp, traceparent, published_at`;

describe('ChangeLogRelay', () => {
  let stack: ChangeLogStack;

  beforeEach(async () => {
    stack = await startChangeLogStack();
  });
  afterEach(async () => {
    await stack.dispose();
  });

  it('publishes each row to its escaped subject with Nats-Msg-Id = event_id and the row as payload, then marks it published', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await stack.sql(
      `INSERT INTO fraiseql.tb_entity_change_log (org_id, user_id, entity_type, entity_id, event_type, data, before, changed_fields, schema_version, traceparent)
       VALUES ($1, 'user-1', 'Order', 'o1', 'INSERT', '{"id": "o1", "total": 12.5, "note": "héllo ✓"}', NULL, '{}', 'hash-1', $2),
              ($1, NULL, 'Order', 'o1', 'UPDATE', '{"id": "o1", "total": 20}', '{"id": "o1", "total": 12.5}', '{total}', NULL, NULL),
              (NULL, NULL, 'Odd.Type *', 'x', 'custom event', '{"id": "x"}', NULL, '{}', 'hash-1', NULL)`,
      [ORG_A, traceparent],
    );
    const { registry } = await stack.startRelay();
    await waitFor(async () => (await unpublishedCount(stack)) === 0);

    const rows = await stack.sql<ChangeLogRow & { traceparent: string | null; published_at: Date | null }>(
      `SELECT ${ROW_COLUMNS} FROM fraiseql.tb_entity_change_log ORDER BY seq`,
    );
    const messages = await readEventStream(stack.nc);
    expect(messages.map((m) => m.event)).toEqual(rows.map((row) => changeLogRowToEvent(row)));
    expect(messages.map((m) => m.subject)).toEqual([
      eventSubject(ORG_A, 'Order', 'INSERT'),
      eventSubject(ORG_A, 'Order', 'UPDATE'),
      'fraiseql.v1.events._.Odd~2EType~20~2A.custom~20event',
    ]);
    expect(messages.map((m) => m.msgId)).toEqual(rows.map((row) => row.event_id));
    expect(messages.map((m) => m.traceparent)).toEqual([traceparent, undefined, undefined]);
    expect(messages[0]!.event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(rows.every((row) => row.published_at instanceof Date)).toBe(true);
    expect(await metricValue(registry, 'fraiseql_relay_events_published_total')).toBe(3);
    expect(await metricValue(registry, 'fraiseql_relay_lag_seconds')).toBe(0);
  });

  it('is woken by NOTIFY: a new row is published long before the (1 h) poll interval', async () => {
    const { relay } = await stack.startRelay({ pollIntervalMs: 3_600_000 });
    await waitFor(() => relay.isListening());
    // What the capture flush does at commit: the row and the notification in one transaction.
    await stack.sql(
      `WITH r AS (INSERT INTO fraiseql.tb_entity_change_log (org_id, entity_type, entity_id, event_type, data)
                     VALUES ($1, 'Order', 'o9', 'INSERT', '{"id": "o9"}') RETURNING seq)
                     SELECT pg_notify('fraiseql_change_log', '') FROM r`,
      [ORG_A],
    );
    await waitFor(async () => (await unpublishedCount(stack)) === 0);
    const messages = await readEventStream(stack.nc);
    expect(messages.map((m) => m.event.entity_id)).toEqual(['o9']);
  });

  it('reports the age of the oldest unpublished row as relay lag', async () => {
    await stack.sql(`INSERT INTO fraiseql.tb_entity_change_log (entity_type, entity_id, event_type, data, created_at)
                     VALUES ('Order', 'old', 'INSERT', '{}', clock_timestamp() - interval '1 hour')`);
    // Poll interval 1 h and the stream missing: the row cannot be published, so the lag stays.
    const jsm = await stack.nc.jetstreamManager();
    await jsm.streams.delete('FRAISEQL_EVENTS');
    const { registry } = await stack.startRelay({ pollIntervalMs: 3_600_000 });
    const lag = await metricValue(registry, 'fraiseql_relay_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(3600);
    expect(lag).toBeLessThan(3600 + 600);
    await waitFor(async () => (await metricValue(registry, 'fraiseql_relay_publish_errors_total')) > 0);
    expect(await unpublishedCount(stack)).toBe(1);
  });

  it('prunes only published rows older than the retention, in bounded statements', async () => {
    await stack.sql(`INSERT INTO fraiseql.tb_entity_change_log (entity_type, entity_id, event_type, data, published_at)
                     SELECT 'Order', 'old-' || i, 'INSERT', '{}', clock_timestamp() - interval '8 days' FROM generate_series(1, 25) i`);
    await stack.sql(`INSERT INTO fraiseql.tb_entity_change_log (entity_type, entity_id, event_type, data, published_at)
                     VALUES ('Order', 'recent', 'INSERT', '{}', clock_timestamp() - interval '1 day'),
                            ('Order', 'old-but-unpublished', 'INSERT', '{}', NULL)`);
    await stack.sql(
      `UPDATE fraiseql.tb_entity_change_log SET created_at = clock_timestamp() - interval '9 days' WHERE entity_id = 'old-but-unpublished'`,
    );
    const { relay, registry } = await stack.startRelay({ pollIntervalMs: 3_600_000, retentionMs: 7 * 86_400_000, pruneBatchSize: 10 });
    expect(await relay.prune()).toBe(25);
    const left = await stack.sql<{ entity_id: string }>('SELECT entity_id FROM fraiseql.tb_entity_change_log ORDER BY entity_id');
    expect(left.map((r) => r.entity_id)).toEqual(['old-but-unpublished', 'recent']);
    expect(await metricValue(registry, 'fraiseql_relay_pruned_total')).toBe(25);
  });

  it('two relays over the same change log publish every event exactly once', async () => {
    await insertChangeLogRows(stack, 10_000);
    const first = await stack.startRelay();
    const second = await stack.startRelay();
    await insertChangeLogRows(stack, 10_000);
    await waitFor(async () => (await unpublishedCount(stack)) === 0, 60_000);

    const ids = (await stack.sql<{ id: string }>('SELECT event_id::text AS id FROM fraiseql.tb_entity_change_log')).map((r) => r.id);
    const messages = await readEventStream(stack.nc);
    expect(messages).toHaveLength(20_000);
    expect(duplicatesAndMissing(messages, ids)).toEqual({ duplicates: [], missing: [], badMsgIds: 0 });
    const published =
      (await metricValue(first.registry, 'fraiseql_relay_events_published_total')) +
      (await metricValue(second.registry, 'fraiseql_relay_events_published_total'));
    expect(published).toBe(20_000);
    // Not even JetStream's deduplication was needed: no relay ever sent an event the other had sent.
    expect(
      (await metricValue(first.registry, 'fraiseql_relay_duplicates_total')) +
        (await metricValue(second.registry, 'fraiseql_relay_duplicates_total')),
    ).toBe(0);
  });

  it('recovers by itself when NATS restarts mid-stream and loses nothing', async () => {
    await insertChangeLogRows(stack, 30_000);
    const { registry } = await stack.startRelay();
    await waitFor(async () => (await streamMessageCount(stack.nc)) >= 3000, 30_000);
    await stack.nats.stop();
    const unpublishedWhileDown = await unpublishedCount(stack);
    await new Promise((r) => setTimeout(r, 500));
    await stack.nats.start();
    await waitFor(async () => (await unpublishedCount(stack)) === 0, 60_000);

    expect(unpublishedWhileDown).toBeGreaterThan(0);
    const ids = (await stack.sql<{ id: string }>('SELECT event_id::text AS id FROM fraiseql.tb_entity_change_log')).map((r) => r.id);
    const messages = await readEventStream(stack.nc);
    expect(messages).toHaveLength(30_000);
    expect(duplicatesAndMissing(messages, ids)).toEqual({ duplicates: [], missing: [], badMsgIds: 0 });
    expect(await metricValue(registry, 'fraiseql_relay_publish_errors_total')).toBeGreaterThan(0);
    expect(await metricValue(registry, 'fraiseql_relay_in_flight')).toBe(0);
  });
});
