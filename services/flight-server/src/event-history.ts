import { randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import type { RecordBatch } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { decodeEntityEvent, entityEventsToRecordBatch, type EntityEvent } from '@fraiseql/events';
import type { EventsTicket } from '@fraiseql/flight';
import { eventFilterSubject, STREAMS } from '@fraiseql/nats-contract';

/**
 * Events are stored in JetStream a little after they commit (the relay publishes them), so the
 * stream is read from `from` minus this slack and past `to` plus it; rows are then kept by the
 * event's own commit timestamp. The relay's lag beyond this (an outage) is not covered.
 */
export const STORE_LAG_SLACK_MS = 15 * 60_000;

export interface EventHistoryOptions {
  batchSize: number;
  signal: AbortSignal;
}

/**
 * The event history of one entity type of one org, `from` ≤ timestamp < `to`, in stream order,
 * as RecordBatches of the EntityEvent Arrow schema. Read through an ephemeral consumer (no acks,
 * deleted at the end) filtered on the org's subject, starting at `from` − slack; it stops at the
 * stream's end as of the start, or once past `to` + slack. A message that is not a valid
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
      opt_start_time: new Date(Math.max(0, from - STORE_LAG_SLACK_MS)).toISOString(),
      ack_policy: AckPolicy.None,
      inactive_threshold: 60_000_000_000,
      mem_storage: true,
      num_replicas: 1,
    });
  } catch (error) {
    throw new FraiseqlError('FRAISEQL_EXECUTOR_UNAVAILABLE', `The event stream ${STREAMS.events} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  try {
    let remaining = info.num_pending;
    let events: EntityEvent[] = [];
    let yielded = false;
    const consumer = await nc.jetstream().consumers.get(STREAMS.events, name);
    const stopAfterMs = to + STORE_LAG_SLACK_MS;
    reading: while (remaining > 0) {
      if (options.signal.aborted) return;
      const messages = await consumer.fetch({ max_messages: Math.min(remaining, options.batchSize), expires: 5000 });
      let got = 0;
      for await (const message of messages) {
        got += 1;
        remaining = message.info.pending;
        const storedMs = message.info.timestampNanos / 1_000_000;
        let event: EntityEvent;
        try {
          event = decodeEntityEvent(message.data);
        } catch {
          onSkipped(1);
          if (storedMs > stopAfterMs) break reading;
          continue;
        }
        const at = Date.parse(event.timestamp);
        if (at >= from && at < to) events.push(event);
        if (events.length >= options.batchSize) {
          yield entityEventsToRecordBatch(events);
          yielded = true;
          events = [];
        }
        if (storedMs > stopAfterMs) break reading;
      }
      if (got === 0) break;
    }
    if (events.length > 0 || !yielded) yield entityEventsToRecordBatch(events);
  } finally {
    await jsm.consumers.delete(STREAMS.events, name).catch(() => undefined);
  }
}
