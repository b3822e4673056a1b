import type { JetStreamClient, JetStreamManager, JsMsg, NatsConnection } from 'nats';
import type { Client } from 'pg';
import { STREAMS } from '@fraiseql/nats-contract';
import { STEADY_UPDATE } from './events-sql';

/** A change-log row ready to publish: what the relay sends for it. */
export interface EventPayload {
  event_id: string;
  org_id: string | null;
  entity_type: string;
  event_type: string;
  payload: string;
}

/** The stream raw publishing writes to: same storage as FRAISEQL_EVENTS, its own subjects, so no event_id is a duplicate. */
export const RAW_STREAM = 'BENCH_RAW_EVENTS';
export const RAW_SUBJECT_PREFIX = 'bench.raw.';

const encoder = new TextEncoder();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function createRawStream(jsm: JetStreamManager): Promise<void> {
  const events = await jsm.streams.info(STREAMS.events);
  const { name: _name, subjects: _subjects, ...config } = events.config;
  await jsm.streams.add({ ...config, name: RAW_STREAM, subjects: [`${RAW_SUBJECT_PREFIX}>`] });
}

/** The raw subject of an event subject (fraiseql.v1.events.<org>.<entity>.<op> → bench.raw.<org>.<entity>.<op>). */
export function rawSubject(eventSubject: string): string {
  return RAW_SUBJECT_PREFIX + eventSubject.split('.').slice(3).join('.');
}

/**
 * Raw async JetStream publishing, the machine's limit: the payloads prepared up front, at most
 * `window` unacknowledged, msgID = event_id + `msgIdSuffix`. Returns the seconds from the first send to the last ack.
 * The suffix must differ per leg: a round that publishes raw first reuses the previous round's payloads,
 * and with the same msgIDs JetStream would drop them all as duplicates (cheaper than storing them).
 */
export async function publishRawBulk(
  js: JetStreamClient,
  payloads: EventPayload[],
  subjects: string[],
  window: number,
  msgIdSuffix: string,
): Promise<number> {
  let inFlight = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const started = performance.now();
  for (const [index, event] of payloads.entries()) {
    while (inFlight >= window) await new Promise<void>((resolve) => (wake = resolve));
    inFlight++;
    const msgID = event.event_id + msgIdSuffix;
    js.publish(subjects[index]!, encoder.encode(event.payload), { msgID, expect: { streamName: RAW_STREAM } }).then(
      (ack) => {
        if (ack.duplicate) failure ??= new Error(`raw publish of ${msgID} was a duplicate: the leg would not measure storing`);
        inFlight--;
        wake?.();
      },
      (error: unknown) => {
        failure ??= error;
        inFlight--;
        wake?.();
      },
    );
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (failure !== undefined) throw new Error(`raw publish failed: ${String(failure)}`);
  return (performance.now() - started) / 1000;
}

/**
 * Raw publishing at a steady rate (paced like the writers): returns each publish's send → ack
 * latency in ms, and the seconds the run took.
 */
export async function publishRawSteady(
  js: JetStreamClient,
  payloads: EventPayload[],
  subjects: string[],
  rate: number,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const pending: Array<Promise<void>> = [];
  const started = performance.now();
  for (const [index, event] of payloads.entries()) {
    const due = started + (index * 1000) / rate;
    const ahead = due - performance.now();
    if (ahead >= 1) await sleep(ahead);
    const sent = performance.now();
    pending.push(
      js
        .publish(subjects[index]!, encoder.encode(event.payload), { msgID: event.event_id, expect: { streamName: RAW_STREAM } })
        .then(() => {
          latencies.push(performance.now() - sent);
        }),
    );
  }
  await Promise.all(pending);
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** Waits until the stream holds `count` messages; returns the store time (ms since epoch) of its last one. */
export async function waitForStream(jsm: JetStreamManager, stream: string, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { state } = await jsm.streams.info(stream);
    if (state.messages >= count) return Date.parse(state.last_ts);
    if (Date.now() > deadline) throw new Error(`${stream} holds ${state.messages} of ${count} messages after ${timeoutMs} ms`);
    await sleep(10);
  }
}

/**
 * Steady single-row writes from several connections (each statement its own transaction, so one
 * event each), paced to `rate` in all; a connection that falls behind writes back to back.
 * Stops after `seconds` even if the rate was not reached. Returns the statements committed and the seconds taken.
 */
export async function writeSteadily(
  writers: Client[],
  ids: string[],
  rate: number,
  seconds: number,
  tag: string,
  eventsPerCommit = 1,
): Promise<{ committed: number; seconds: number }> {
  const started = performance.now();
  // Events arrive in commits of `eventsPerCommit` entities each (a mutation touching several rows, or
  // several small writes grouped by a connection pool): the relay sees `rate` events per second.
  const commitsPerSecond = rate / eventsPerCommit;
  const totalCommits = Math.round(commitsPerSecond * seconds);
  const endAt = started + seconds * 1000;
  let committed = 0;
  let next = 0;
  await Promise.all(
    writers.map(async (client) => {
      for (;;) {
        const index = next++;
        // Bounded by the count and by the duration: a rate the machine cannot reach ends on time.
        if (index >= totalCommits || performance.now() >= endAt) return;
        const ahead = started + (index * 1000) / commitsPerSecond - performance.now();
        if (ahead >= 1) await sleep(ahead);
        const batch = Array.from({ length: eventsPerCommit }, (_, i) => ids[(index * eventsPerCommit + i) % ids.length]);
        await client.query(STEADY_UPDATE, [`${tag} ${index}`, batch]);
        committed += eventsPerCommit;
      }
    }),
  );
  return { committed, seconds: (performance.now() - started) / 1000 };
}

/** One stored event: when capture stamped it (commit) and when JetStream stored it, both ms since epoch. */
export interface StoredEvent {
  entityId: string;
  capturedMs: number;
  storedMs: number;
}

/** Reads FRAISEQL_EVENTS messages with stream seq in [from, to] (an ordered consumer, after the run). */
export async function readStoredEvents(nc: NatsConnection, from: number, to: number): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  if (to < from) return out;
  const consumer = await nc.jetstream().consumers.get(STREAMS.events, { opt_start_seq: from });
  const messages = await consumer.consume({ max_messages: 5000 });
  for await (const m of messages as AsyncIterable<JsMsg>) {
    const event = JSON.parse(new TextDecoder().decode(m.data)) as { entity_id: string; timestamp: string };
    out.push({ entityId: event.entity_id, capturedMs: Date.parse(event.timestamp), storedMs: m.info.timestampNanos / 1e6 });
    if (m.seq >= to) break;
  }
  await messages.close();
  return out;
}

/** The q-quantile (0..1) of values, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}
