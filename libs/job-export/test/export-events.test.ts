import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import { eventSubject, provisionJetStream } from '@fraiseql/nats-contract';
import { loadChdb, startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { runExport, type ExportJobContext } from '../src';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { LocalDirectoryStore, type ExportDependencies } from '../src';
import { ORG_A, ORG_B } from './export-fixture';

/** A UUID v7 whose time part is `ms`. */
function uuidV7(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  const rest = randomUUID().replace(/-/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${rest.slice(13, 16)}-${rest.slice(16, 20)}-${rest.slice(20, 32)}`;
}

function isoMicros(ms: number, micros: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

describe('runExport of entity events (private nats-server, FRAISEQL_EVENTS → file read by chdb)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let directory: string;
  let deps: ExportDependencies;
  const base = Date.now() - 60_000;
  const published: EntityEvent[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await provisionJetStream(nc);
    directory = mkdtempSync(join(tmpdir(), 'fraiseql-export-events-'));
    // An events export reads no PostgreSQL: the pool never connects.
    deps = { pool: new Pool({ max: 1 }), nc, store: new LocalDirectoryStore(directory) };
    const js = nc.jetstream();
    // 3,000 events: orgs A and B alternating, Order and Customer, one every 10 ms of event time.
    for (let i = 0; i < 3000; i++) {
      const org = i % 2 === 0 ? ORG_A : ORG_B;
      const entity = i % 3 === 0 ? 'Customer' : 'Order';
      const op = i % 5 === 0 ? 'INSERT' : 'UPDATE';
      const event: EntityEvent = {
        event_id: uuidV7(base + i * 10),
        seq: i + 1,
        event_type: op,
        entity_type: entity,
        entity_id: `e${i % 50}`,
        org_id: org,
        user_id: null,
        timestamp: isoMicros(base + i * 10, i % 1000),
        data: { n: i, note: 'quote " and comma ,' },
        before: null,
        changed_fields: op === 'UPDATE' ? ['n'] : [],
        schema_version: 'test',
      };
      published.push(event);
      await js.publish(eventSubject(org, entity, op), encodeEntityEvent(event), { msgID: event.event_id });
    }
    // A message that is no EntityEvent, on org A's subject: skipped, never fatal.
    await js.publish(eventSubject(ORG_A, 'Order', 'UPDATE'), new TextEncoder().encode('{"not":"an event"}'));
  }, 120_000);
  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
    await deps?.pool.end();
    rmSync(directory, { recursive: true, force: true });
  });

  const ctx = (jobId: string, orgId: string | null = ORG_A): ExportJobContext => ({
    orgId,
    jobId,
    signal: new AbortController().signal,
    progress: () => undefined,
  });

  it.each(['parquet', 'arrow', 'csv'] as const)(
    'exports one org’s events of a time range as %s, the same count as published',
    async (format) => {
      const from = base + 5_000;
      const to = base + 20_000;
      const source = { kind: 'events' as const, from: new Date(from).toISOString(), to: new Date(to).toISOString() };
      const result = await runExport({ format, source }, ctx(`events-${format}`), deps);
      const expected = published.filter((e) => e.org_id === ORG_A && Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) < to);
      expect(expected.length).toBe(750);
      expect(result.rows).toBe(expected.length);
      const clickhouseFormat = { parquet: 'Parquet', arrow: 'ArrowStream', csv: 'CSVWithNames' }[format];
      const read = JSON.parse(
        loadChdb().query(
          `SELECT count() AS n, uniqExact(org_id) AS orgs, any(org_id) AS org, min(seq) AS min_seq, max(seq) AS max_seq, sum(seq) AS sum_seq
           FROM file('${result.location}', '${clickhouseFormat}') SETTINGS output_format_json_quote_64bit_integers = 0`,
          'JSONEachRow',
        ),
      ) as { n: number; orgs: number; org: string; min_seq: number; max_seq: number; sum_seq: number };
      expect(read).toEqual({
        n: expected.length,
        orgs: 1,
        org: ORG_A,
        min_seq: expected[0]!.seq,
        max_seq: expected.at(-1)!.seq,
        sum_seq: expected.reduce((sum, e) => sum + e.seq, 0),
      });
    },
  );

  it('narrows to an entity type and event types, and never returns another org’s events', async () => {
    const source = {
      kind: 'events' as const,
      from: new Date(base - 1000).toISOString(),
      to: new Date(base + 60_000).toISOString(),
      entityType: 'Order',
      eventTypes: ['INSERT'],
    };
    const result = await runExport({ format: 'arrow', source }, ctx('events-orders', ORG_B), deps);
    const expected = published.filter((e) => e.org_id === ORG_B && e.entity_type === 'Order' && e.event_type === 'INSERT');
    expect(result.rows).toBe(expected.length);
    const rows = loadChdb().query(`SELECT DISTINCT org_id, entity_type, event_type FROM file('${result.location}', 'ArrowStream')`, 'CSV');
    expect(rows.trim()).toBe(`"${ORG_B}","Order","INSERT"`);
    // An org with no events gets an empty, valid file.
    const none = await runExport({ format: 'parquet', source }, ctx('events-none', 'c0000000-0000-4000-8000-00000000000c'), deps);
    expect(none.rows).toBe(0);
    expect(loadChdb().query(`SELECT count() FROM file('${none.location}', 'Parquet')`, 'CSV').trim()).toBe('0');
  });
});
