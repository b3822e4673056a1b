import { Client } from 'pg';
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

/** Observations of the batch-size histogram at or below each bucket bound. */
async function batchSizeBuckets(registry: import('prom-client').Registry): Promise<Map<number, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'fraiseql_relay_batch_size');
  const buckets = new Map<number, number>();
  for (const value of (metric?.values ?? []) as Array<{ value: number; metricName?: string; labels: { le?: number | string } }>) {
    if (value.metricName === 'fraiseql_relay_batch_size_bucket' && value.labels.le !== '+Inf')
      buckets.set(Number(value.labels.le), value.value);
  }
  return buckets;
}

describe('ChangeLogRelay pipelining (ADR 0147)', () => {
  let stack: ChangeLogStack;

  beforeEach(async () => {
    stack = await startChangeLogStack();
  });
  afterEach(async () => {
    await stack.dispose();
  });

  it('ramps its claims up from an eighth of a batch and still publishes a backlog once each, in seq order', async () => {
    // 100 + 200 + 400 + 15 × 800: the ramp, then full batches only.
    await insertChangeLogRows(stack, 12_700);
    const { registry } = await stack.startRelay({ batchSize: 800, maxInFlight: 1600 });
    await waitFor(async () => (await unpublishedCount(stack)) === 0, 60_000);

    const rows = await stack.sql<{ id: string; seq: string }>(
      'SELECT event_id::text AS id, c.seq::text AS seq FROM fraiseql.tb_entity_change_log c ORDER BY c.seq',
    );
    const messages = await readEventStream(stack.nc);
    expect(
      duplicatesAndMissing(
        messages,
        rows.map((r) => r.id),
      ),
    ).toEqual({ duplicates: [], missing: [], badMsgIds: 0 });
    // One relay, no failure: the stream holds the events in seq order (so in seq order per entity too).
    expect(messages.map((m) => m.event.seq)).toEqual(rows.map((r) => Number(r.seq)));
    // The first claim took 100 rows, the next ones 200, 400, then full batches of 800.
    const buckets = await batchSizeBuckets(registry);
    expect(buckets.get(100)).toBe(1);
    expect(buckets.get(250)).toBe(2);
    expect(buckets.get(500)).toBe(3);
    expect(buckets.get(800)).toBe(18);
    expect(await metricValue(registry, 'fraiseql_relay_events_published_total')).toBe(12_700);
  });

  it('publishes a row that commits late with a lower seq during a burst, without waiting for the (1 h) poll', async () => {
    // The late transaction takes its seq first and commits only once the relay is well into a burst
    // of higher seqs: claims that start after the relay's own open batches must still come back for it.
    const late = new Client({ connectionString: stack.db.url });
    await late.connect();
    try {
      await late.query('BEGIN');
      await late.query(
        `INSERT INTO fraiseql.tb_entity_change_log (org_id, entity_type, entity_id, event_type, data) VALUES ($1, 'Order', 'late', 'INSERT', '{"id": "late"}')`,
        [ORG_A],
      );
      await insertChangeLogRows(stack, 20_000);
      const { relay } = await stack.startRelay({ pollIntervalMs: 3_600_000, batchSize: 500 });
      await waitFor(() => relay.isListening());
      await waitFor(async () => (await streamMessageCount(stack.nc)) >= 3000, 30_000);
      await late.query(`SELECT pg_notify('fraiseql_change_log', '')`);
      await late.query('COMMIT');
    } finally {
      await late.end();
    }
    await waitFor(async () => (await unpublishedCount(stack)) === 0, 30_000);
    const ids = (await stack.sql<{ id: string }>('SELECT event_id::text AS id FROM fraiseql.tb_entity_change_log')).map((r) => r.id);
    const messages = await readEventStream(stack.nc);
    expect(duplicatesAndMissing(messages, ids)).toEqual({ duplicates: [], missing: [], badMsgIds: 0 });
    expect(messages.filter((m) => m.event.entity_id === 'late')).toHaveLength(1);
  });

  it('a mark PostgreSQL lost (its commit is asynchronous) only costs a re-publish that JetStream drops as duplicates', async () => {
    await insertChangeLogRows(stack, 1000);
    const { relay, registry } = await stack.startRelay({ pollIntervalMs: 3_600_000 });
    await waitFor(async () => (await unpublishedCount(stack)) === 0, 30_000);
    // What a crash of PostgreSQL right after an unflushed mark + COMMIT leaves behind.
    await stack.sql(
      `UPDATE fraiseql.tb_entity_change_log SET published_at = NULL WHERE seq IN (SELECT seq FROM fraiseql.tb_entity_change_log ORDER BY seq LIMIT 300)`,
    );
    relay.wake();
    await waitFor(async () => (await unpublishedCount(stack)) === 0, 30_000);

    const ids = (await stack.sql<{ id: string }>('SELECT event_id::text AS id FROM fraiseql.tb_entity_change_log')).map((r) => r.id);
    const messages = await readEventStream(stack.nc);
    expect(messages).toHaveLength(1000);
    expect(duplicatesAndMissing(messages, ids)).toEqual({ duplicates: [], missing: [], badMsgIds: 0 });
    expect(await metricValue(registry, 'fraiseql_relay_duplicates_total')).toBe(300);
    expect(await metricValue(registry, 'fraiseql_relay_events_published_total')).toBe(1300);
  });

  it('names its PostgreSQL sessions fraiseql-relay (how operators and bench:events tell them apart)', async () => {
    await stack.startRelay();
    await waitFor(
      async () =>
        (await stack.sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'fraiseql-relay' AND datname = current_database()`))
          .length > 0,
      10_000,
    );
  });
});
