import { randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import type { RecordBatch } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { decodeEntityEvent, entityEventsToRecordBatch, type EntityEvent } from '@fraiseql/events';
import type { EventsTicket } from '@fraiseql/flight';
import { eventFilterSubject, STREAMS } from '@fraiseql/nats-contract';

/**
 * An event is stored in JetStream after it commits (the relay publishes it), so no event stored
 * before `from` can have committed inside the window: reading starts at `from` minus this margin
 * (clock skew between PostgreSQL and NATS). Events are kept by their own commit timestamp, and
 * the stream is read to its end as of the request, so a relay that lagged (even for hours) loses
 * nothing.
 */
const CLOCK_SKEW_MARGIN_MS = 5 * 60_000;

export interface EventHistoryOptions {
  batchSize: number;
  signal: AbortSignal;
  /**
   * Applied to each event's `data` and `before`: the read rules of the caller (docs/adr/0136-authorization-in-the-plan.md)
   * set the fields it may not read to null. Absent: events pass as stored.
   */
  redact?: (data: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

/**
 * The event history of one entity type of one org, `from` ≤ timestamp < `to`, in stream order,
 * as RecordBatches of the EntityEvent Arrow schema. Read through an ephemeral consumer (no acks,
 * deleted at the end) filtered on the org's subject, starting at `from` − margin; it stops at the
 * stream's end as of the start. A message that is not a valid
 * EntityEvent is skipped (counted in `skipped`), never a reason to fail the whole history.
 */
export async function* readEventHistory(
  nc: NatsConnection,
  ticket: EventsTicket,
  options: EventHistoryOptions,
  onSkipped: (count: number) => void = () => undefined,
): AsyncGenerator<RecordBatch, void, undefined> {
  const from = Date.parse(ticket.from);
  const to = Date.parse(ticket.to);
  const jsm = await nc.jetstreamManager();
  const name = `flight-history-${randomUUID()}`;
  let info;
  try {
    info = await jsm.consumers.add(STREAMS.events, {
      name,
      filter_subject: eventFilterSubject({ orgId: ticket.orgId, entityType: ticket.entityType }),
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(Math.max(0, from - CLOCK_SKEW_MARGIN_MS)).toISOString(),
      ack_policy: AckPolicy.None,
      inactive_threshold: 60_000_000_000,
      mem_storage: true,
      num_replicas: 1,
    });
  } catch (error) {
    throw new FraiseqlError(
      'FRAISEQL_EVENTS_UNAVAILABLE',
      `The event stream ${STREAMS.events} cannot be read: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    // Read up to the stream's end as of now: events published meanwhile belong to a later request.
    const lastSequence = (await jsm.streams.info(STREAMS.events)).state.last_seq;
    let remaining = info.num_pending;
    let events: EntityEvent[] = [];
    let yielded = false;
    const consumer = await nc.jetstream().consumers.get(STREAMS.events, name);
    reading: while (remaining > 0) {
      if (options.signal.aborted) return;
      const messages = await consumer.fetch({ max_messages: Math.min(remaining, options.batchSize), expires: 5000 });
      let got = 0;
      for await (const message of messages) {
        got += 1;
        remaining = message.info.pending;
        let event: EntityEvent | undefined;
        try {
          event = decodeEntityEvent(message.data);
        } catch {
          onSkipped(1);
        }
        if (event) {
          const at = Date.parse(event.timestamp);
          if (at >= from && at < to) events.push(options.redact ? redactEvent(event, options.redact) : event);
          if (events.length >= options.batchSize) {
            yield entityEventsToRecordBatch(events);
            yielded = true;
            events = [];
          }
        }
        if (message.info.streamSequence >= lastSequence) break reading;
      }
      if (got === 0) break;
    }
    if (events.length > 0 || !yielded) yield entityEventsToRecordBatch(events);
  } finally {
    await jsm.consumers.delete(STREAMS.events, name).catch(() => undefined);
  }
}

function redactEvent(event: EntityEvent, redact: NonNullable<EventHistoryOptions['redact']>): EntityEvent {
  return { ...event, data: redact(event.data), before: event.before === null ? null : redact(event.before) };
}
