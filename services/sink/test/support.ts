import { randomUUID } from 'node:crypto';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import { decodeDeadLetter, eventSubject, provisionJetStream, STREAMS, type DeadLetter } from '@fraiseql/nats-contract';
import { connect, type NatsConnection } from 'nats';

export const ORG_A = '00000000-0000-4000-8000-00000000000a';
export const ORG_B = '00000000-0000-4000-8000-00000000000b';

const WORDS = ['paid', 'shipped', 'refund', 'priority', 'fragile', 'gift', 'express', 'backorder'];

/** `2026-12-05T10:00:00.123456Z`: now minus `agoMs`, in the event format's six fractional digits. */
export function eventTime(agoMs = 0): string {
  const at = new Date(Date.now() - agoMs).toISOString(); // …sss Z
  return `${at.slice(0, 23)}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}Z`;
}

/** An order event with a searchable note; `i` picks its words, org and entity (entities repeat: updates). */
export function orderEvent(i: number, overrides: Partial<EntityEvent> = {}): EntityEvent {
  const org = i % 5 === 0 ? ORG_B : ORG_A;
  return {
    event_id: randomUUID(),
    seq: i + 1,
    event_type: i % 7 === 0 ? 'INSERT' : 'UPDATE',
    entity_type: i % 3 === 0 ? 'Customer' : 'Order',
    entity_id: `ent-${i % 97}`,
    org_id: org,
    user_id: null,
    timestamp: eventTime((i % 50) * 60_000),
    data: { note: `order ${i} is ${WORDS[i % WORDS.length]}`, total: (i % 1000) / 4, org },
    before: null,
    changed_fields: [],
    schema_version: null,
    ...overrides,
  };
}

export interface Bus {
  nc: NatsConnection;
  publish(events: readonly EntityEvent[], options?: { msgIdSuffix?: string }): Promise<void>;
  publishRaw(subject: string, data: string): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

export async function openBus(url: string): Promise<Bus> {
  const nc = await connect({ servers: url });
  await provisionJetStream(nc);
  const js = nc.jetstream();
  return {
    nc,
    async publish(events, options = {}) {
      for (let i = 0; i < events.length; i += 500) {
        await Promise.all(
          events.slice(i, i + 500).map((e) =>
            js.publish(eventSubject(e.org_id, e.entity_type, e.event_type), encodeEntityEvent(e), {
              // A different message id: JetStream keeps both, as after a relay's retry outside its window.
              msgID: `${e.event_id}${options.msgIdSuffix ?? ''}`,
            }),
          ),
        );
      }
    },
    async publishRaw(subject, data) {
      await js.publish(subject, new TextEncoder().encode(data));
    },
    async deadLetters() {
      const jsm = await nc.jetstreamManager();
      const last = (await jsm.streams.info(STREAMS.dlq)).state.last_seq;
      const letters: DeadLetter[] = [];
      for (let seq = 1; seq <= last; seq++) {
        const stored = await jsm.streams.getMessage(STREAMS.dlq, { seq }).catch(() => null);
        if (stored) letters.push(decodeDeadLetter(stored.data));
      }
      return letters;
    },
    close: () => nc.close(),
  };
}
