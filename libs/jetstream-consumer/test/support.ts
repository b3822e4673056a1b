import { randomUUID } from 'node:crypto';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import { decodeDeadLetter, eventSubject, provisionJetStream, STREAMS, type DeadLetter } from '@fraiseql/nats-contract';
import { createLogger, type Logger } from '@fraiseql/service-kit';
import { captureLines, startNatsServer, type CapturedLines, type TestNatsServer } from '@fraiseql/testkit';
import { connect, headers as natsHeaders, type MsgHdrs, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';

export function makeEvent(overrides: Partial<EntityEvent> = {}): EntityEvent {
  return {
    event_id: randomUUID(),
    seq: 1,
    event_type: 'INSERT',
    entity_type: 'Order',
    entity_id: randomUUID(),
    org_id: null,
    user_id: null,
    timestamp: '2026-01-01T00:00:00.000000Z',
    data: { total: 10 },
    before: null,
    changed_fields: [],
    schema_version: null,
    ...overrides,
  };
}

/** A private NATS server with the contract's streams, and connections closed at the end. */
export interface Bus {
  server: TestNatsServer;
  nc: NatsConnection;
  connect(): Promise<NatsConnection>;
  publish(event: EntityEvent, headers?: MsgHdrs): Promise<void>;
  publishRaw(subject: string, data: Uint8Array | string): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  dispose(): Promise<void>;
}

export async function startBus(): Promise<Bus> {
  const server = await startNatsServer();
  const connections: NatsConnection[] = [];
  const open = async (): Promise<NatsConnection> => {
    const nc = await connect({ servers: server.url });
    connections.push(nc);
    return nc;
  };
  const nc = await open();
  await provisionJetStream(nc);
  const js = nc.jetstream();
  return {
    server,
    nc,
    connect: open,
    async publish(event, headers) {
      await js.publish(eventSubject(event.org_id, event.entity_type, event.event_type), encodeEntityEvent(event), {
        msgID: event.event_id,
        ...(headers ? { headers } : {}),
      });
    },
    async publishRaw(subject, data) {
      await js.publish(subject, typeof data === 'string' ? new TextEncoder().encode(data) : data);
    },
    async deadLetters() {
      const jsm = await nc.jetstreamManager();
      const last = (await jsm.streams.info(STREAMS.dlq)).state.last_seq;
      const letters: DeadLetter[] = [];
      for (let seq = 1; seq <= last; seq++) letters.push(decodeDeadLetter((await jsm.streams.getMessage(STREAMS.dlq, { seq })).data));
      return letters;
    },
    async dispose() {
      await Promise.all(connections.map((c) => (c.isClosed() ? undefined : c.close())));
      await server.dispose();
    },
  };
}

export function traceHeaders(traceparent: string): MsgHdrs {
  const h = natsHeaders();
  h.set('traceparent', traceparent);
  return h;
}

export interface TestLogger {
  logger: Logger;
  lines: CapturedLines;
  /** Parsed log lines whose message contains `text`. */
  matching(text: string): Record<string, unknown>[];
}

export function testLogger(): TestLogger {
  const lines = captureLines();
  return {
    logger: createLogger({ service: 'consumer-test', level: 'debug', destination: lines.destination }),
    lines,
    matching: (text) =>
      lines.lines().flatMap((l) => {
        const parsed = JSON.parse(l) as Record<string, unknown>;
        return String(parsed.msg).includes(text) ? [parsed] : [];
      }),
  };
}

/** Sum of a metric's values whose labels include `labels` (0 when none). */
export async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = registry.getSingleMetric(name);
  if (!found) throw new Error(`no metric ${name}`);
  const { values } = await found.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export { Registry };
