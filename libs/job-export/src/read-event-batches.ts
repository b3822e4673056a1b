import { DeliverPolicy, type NatsConnection } from 'nats';
import type { RecordBatch } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { decodeEntityEvent, entityEventsToRecordBatch, type EntityEvent } from '@fraiseql/events';
import { eventFilterSubject, STREAMS } from '@fraiseql/nats-contract';
import type { EventsExportSource } from './export-payload';

/**
 * Events are stored in JetStream after they commit, so none stored before `from` minus this margin (clock
 * skew between PostgreSQL and NATS) can have a timestamp in the range; reading stops at the first event
 * stored after `to` plus the margin, or at the stream's end as of the start.
 */
export const EVENT_CLOCK_SKEW_MARGIN_MS = 5 * 60_000;

export interface ReadEventsOptions {
  orgId: string | null;
  signal: AbortSignal;
  batchSize?: number;
}

/**
 * The org's events with from ≤ timestamp < to (and the entity type and event types asked for), in stream
 * order, as RecordBatches of ENTITY_EVENT_ARROW_SCHEMA. Read with an ordered consumer (ephemeral, no acks,
 * recreated by the client on a gap) filtered on the org's subjects and starting at `from` − margin. A
 * message that is not a valid EntityEvent is skipped and counted in `skipped`.
 */
export async function* readEventBatches(
  nc: NatsConnection,
  source: EventsExportSource,
  options: ReadEventsOptions,
  skipped: { count: number } = { count: 0 },
): AsyncGenerator<RecordBatch, void, undefined> {
  options.signal.throwIfAborted();
  const from = Date.parse(source.from);
  const to = Date.parse(source.to);
  const stopAfterNanos = (to + EVENT_CLOCK_SKEW_MARGIN_MS) * 1_000_000;
  const batchSize = options.batchSize ?? 16_384;
  const eventTypes = source.eventTypes === undefined ? undefined : new Set(source.eventTypes);
  // One event type narrows the subject itself; several are filtered here (nats-server < 2.10 takes one filter subject).
  const op = source.eventTypes?.length === 1 ? source.eventTypes[0] : undefined;
  const subject = eventFilterSubject({
    orgId: options.orgId,
    ...(source.entityType === undefined ? {} : { entityType: source.entityType }),
    ...(op === undefined ? {} : { op }),
  });

  let lastSequence: number;
  let consumer;
  try {
    const jsm = await nc.jetstreamManager();
    lastSequence = (await jsm.streams.info(STREAMS.events)).state.last_seq;
    consumer = await nc.jetstream().consumers.get(STREAMS.events, {
      filterSubjects: subject,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(Math.max(0, from - EVENT_CLOCK_SKEW_MARGIN_MS)).toISOString(),
    });
  } catch (error) {
    throw new FraiseqlError(
      'FRAISEQL_EVENTS_UNAVAILABLE',
      `The event stream ${STREAMS.events} cannot be read: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }

  let events: EntityEvent[] = [];
  let yielded = false;
  try {
    reading: for (;;) {
      options.signal.throwIfAborted();
      const messages = await consumer.fetch({ max_messages: batchSize, expires: 2000 });
      let got = 0;
      for await (const message of messages) {
        got += 1;
        if (message.info.timestampNanos > stopAfterNanos) break reading;
        let event: EntityEvent | undefined;
        try {
          event = decodeEntityEvent(message.data);
        } catch {
          skipped.count += 1;
        }
        if (event !== undefined && event.org_id === options.orgId) {
          const at = Date.parse(event.timestamp);
          if (at >= from && at < to && (eventTypes === undefined || eventTypes.has(event.event_type))) events.push(event);
          if (events.length >= batchSize) {
            yield entityEventsToRecordBatch(events);
            yielded = true;
            events = [];
            options.signal.throwIfAborted();
          }
        }
        if (message.info.streamSequence >= lastSequence || message.info.pending === 0) break reading;
      }
      if (got === 0) break;
    }
    if (events.length > 0 || !yielded) yield entityEventsToRecordBatch(events);
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}
