import { createHash } from 'node:crypto';
import {
  classifyClickhouseError,
  encodeEventsRowBinary,
  FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
  storedEventIds,
  type ClickhouseExecutor,
} from '@fraiseql/clickhouse';
import { FraiseqlError, RetryableError } from '@fraiseql/errors';
import type { EntityEvent } from '@fraiseql/events';
import type { BatchWrite } from '@fraiseql/jetstream-consumer';

/**
 * The ClickHouse dataplane's batch write (docs/adr/0120-clickhouse-storage.md):
 * 1. events fraiseql_events already holds, and second copies within the batch, are dropped (a redelivery after a
 *    crash between the insert and the acks lands in another batch: skipping it keeps the raw table *and* the
 *    rollups its materialized views feed exact);
 * 2. the rest goes in one RowBinary INSERT whose `insert_deduplication_token` is a hash of its event ids, so the
 *    same batch sent again (a lost response, a retry during an outage) is dropped whole by the server.
 * A failure is sorted by ClickHouse's error code, never its message: the data's fault (a value a column cannot
 * take) is FRAISEQL_CLICKHOUSE_REFUSED, which the batcher answers by splitting the batch down to the event at
 * fault; anything else — unreachable, overloaded, credentials, a missing table — is FRAISEQL_CLICKHOUSE_UNAVAILABLE,
 * a RetryableError: the batch is held until ClickHouse answers, and no event is dead-lettered for it.
 */
export function clickhouseBatchWrite(clickhouse: ClickhouseExecutor): BatchWrite {
  return async (events) => {
    let fresh: readonly EntityEvent[];
    let body: Uint8Array;
    try {
      const stored = await storedEventIds(clickhouse, events);
      // Stored already, or a second copy in this very batch (a redelivery that caught up with its original).
      const seen = new Set<string>(stored);
      fresh = events.filter((e) => {
        const id = e.event_id.toLowerCase();
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      if (fresh.length === 0) return { rejected: [] };
    } catch (error) {
      throw asClickhouseFailure(error);
    }
    try {
      body = encodeEventsRowBinary(fresh);
    } catch (error) {
      // A value the columns cannot hold (decoded events are checked, so this is rare): the batch's fault.
      if (error instanceof FraiseqlError) throw new FraiseqlError('FRAISEQL_CLICKHOUSE_REFUSED', error.message, { cause: error });
      throw error;
    }
    const token = createHash('sha256')
      .update(fresh.map((e) => e.event_id).join(','))
      .digest('base64url');
    try {
      await clickhouse.insert({
        table: 'fraiseql_events',
        format: 'RowBinary',
        columns: FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
        body,
        settings: { insert_deduplication_token: token },
      });
    } catch (error) {
      throw asClickhouseFailure(error);
    }
    return { rejected: [] };
  };
}

function asClickhouseFailure(error: unknown): FraiseqlError {
  // A value checked before it was sent (an id that is no UUID): the batch's fault, not ClickHouse's.
  if (error instanceof FraiseqlError && error.code === 'FRAISEQL_BAD_MESSAGE')
    return new FraiseqlError('FRAISEQL_CLICKHOUSE_REFUSED', error.message, { cause: error });
  const found = classifyClickhouseError(error);
  const message = error instanceof Error ? error.message : String(error);
  const details = { clickhouseCode: found.code ?? null, clickhouseError: found.name ?? null, category: found.category };
  if (found.kind === 'permanent' && found.category === 'data')
    return new FraiseqlError('FRAISEQL_CLICKHOUSE_REFUSED', message, { cause: error, details });
  return new RetryableError('FRAISEQL_CLICKHOUSE_UNAVAILABLE', `ClickHouse: ${message}`, 0, { cause: error, details });
}
