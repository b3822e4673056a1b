import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Int64, RecordBatchReader, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import {
  applyClickhouseMigrations,
  CLICKHOUSE_MIGRATIONS_DIR,
  DAILY_ENTITIES_DIFFERENCES,
  encodeEventsRowBinary,
  FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
  HOURLY_ROLLUP_DIFFERENCES,
  HOURLY_ROLLUP_REPAIR,
  readJsonRows,
  RETENTION_RULES,
  storedEventIds,
  type ClickhouseExecutor,
} from '../src';

/** The fields of EntityEvent v1 (libs/events) as the sink receives them on JetStream. */
export interface TestEvent {
  event_id: string;
  seq: number;
  event_type: string;
  entity_type: string;
  entity_id: string;
  org_id: string | null;
  user_id: string | null;
  timestamp: string;
  data: Record<string, unknown>;
  before: Record<string, unknown> | null;
  changed_fields: string[];
  schema_version: string | null;
}

/** Opens an executor whose database is `database` (it may not exist yet). */
export type OpenExecutor = (database: string) => Promise<ClickhouseExecutor>;

const ORG_A = '0190f0e0-aaaa-7000-8000-00000000000a';
const ORG_B = '0190f0e0-bbbb-7000-8000-00000000000b';
/** Inside every retention: the tables' TTL drops an event older than the retention at insert. */
const BASE_HOUR = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 2 * 86_400_000;
const MIGRATIONS = ['0001_fraiseql_events', '0002_fraiseql_entity_state', '0003_fraiseql_events_hourly', '0004_fraiseql_entities_daily'];
const WINDOW = { from: new Date(BASE_HOUR - 86_400_000), to: new Date(BASE_HOUR + 3 * 86_400_000) };

let serial = 0;

export function testEvent(n: number, overrides: Partial<TestEvent> = {}): TestEvent {
  const at = new Date(BASE_HOUR + (n % 50) * 1_800_000 + n);
  return {
    event_id: `0190f0e0-0000-7000-8000-${n.toString(16).padStart(12, '0')}`,
    seq: n,
    event_type: n % 3 === 0 ? 'INSERT' : 'UPDATE',
    entity_type: n % 2 === 0 ? 'Order' : 'Customer',
    entity_id: `entity-${n % 7}`,
    org_id: n % 5 === 4 ? null : n % 2 === 0 ? ORG_A : ORG_B,
    user_id: n % 4 === 0 ? null : `user-${n % 3}`,
    timestamp: `${at.toISOString().slice(0, 23)}${String(n % 1000).padStart(3, '0')}Z`,
    data: { n, status: n % 2 ? 'PAID' : 'PENDING', note: 'tab\there "quoted" \\ backslash' },
    before: n % 3 === 0 ? null : { status: 'PENDING' },
    changed_fields: n % 3 === 0 ? [] : ['status'],
    schema_version: 'c0ffee',
    ...overrides,
  };
}

/** JSONEachRow from the events as JetStream carries them (the sink's format, docs/adr/0120-clickhouse-storage.md). */
export function insertEvents(executor: ClickhouseExecutor, events: TestEvent[], token: string): Promise<unknown> {
  return executor.insert({
    table: 'fraiseql_events',
    format: 'JSONEachRow',
    body: events.map((e) => `${JSON.stringify(e)}\n`).join(''),
    settings: { insert_deduplication_token: token, input_format_skip_unknown_fields: 1, date_time_input_format: 'best_effort' },
  });
}

async function scalar(executor: ClickhouseExecutor, sql: string, params?: Record<string, unknown>): Promise<number> {
  const [row] = await readJsonRows<{ v: string | number }>(executor, sql, params);
  return Number(row!.v);
}

/**
 * The behaviours of migrations/clickhouse and the migration runner, run against an engine: each test has a
 * database of its own, dropped at the end.
 */
export function describeClickhouseAnalytics(label: string, open: () => OpenExecutor): void {
  const withDatabase = async (test: (executor: ClickhouseExecutor, database: string) => Promise<void>): Promise<void> => {
    const database = `fq_${label}_${process.pid}_${++serial}`;
    const executor = await open()(database);
    try {
      await test(executor, database);
    } finally {
      await executor.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
      await executor.close();
    }
  };

  describe(`migrations/clickhouse through ${label}`, () => {
    it('applies the migrations in order and records each once; a second run applies nothing and changes nothing', () =>
      withDatabase(async (ch, database) => {
        const first = await applyClickhouseMigrations(ch);
        expect(first).toEqual({ applied: MIGRATIONS, skipped: [], retention: [] });
        const second = await applyClickhouseMigrations(ch);
        expect(second).toEqual({ applied: [], skipped: MIGRATIONS, retention: [] });
        const ledger = await readJsonRows<{ version: string; name: string; checksum: string }>(
          ch,
          'SELECT version, name, checksum FROM fraiseql_schema_migrations ORDER BY version',
        );
        expect(ledger.map((r) => `${r.version}_${r.name}`)).toEqual(MIGRATIONS);
        expect(ledger.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
        const tables = await readJsonRows<{ name: string; engine: string }>(
          ch,
          'SELECT name, engine FROM system.tables WHERE database = {db:String} ORDER BY name',
          { db: database },
        );
        expect(tables).toEqual([
          { name: 'fraiseql_entities_daily', engine: 'AggregatingMergeTree' },
          { name: 'fraiseql_entities_daily_mv', engine: 'MaterializedView' },
          { name: 'fraiseql_entity_state', engine: 'ReplacingMergeTree' },
          { name: 'fraiseql_entity_state_mv', engine: 'MaterializedView' },
          { name: 'fraiseql_events', engine: 'ReplacingMergeTree' },
          { name: 'fraiseql_events_hourly', engine: 'SummingMergeTree' },
          { name: 'fraiseql_events_hourly_mv', engine: 'MaterializedView' },
          { name: 'fraiseql_schema_migrations', engine: 'ReplacingMergeTree' },
        ]);
      }));

    it('refuses an applied migration edited since, before running anything; a failing statement is reported and not recorded', () =>
      withDatabase(async (ch) => {
        const dir = mkdtempSync(join(tmpdir(), 'fraiseql-ch-migrations-'));
        try {
          cpSync(CLICKHOUSE_MIGRATIONS_DIR, dir, { recursive: true });
          await applyClickhouseMigrations(ch, { dir });
          writeFileSync(join(dir, '0002_fraiseql_entity_state.sql'), '-- edited\nSELECT 1;\n');
          writeFileSync(
            join(dir, '0005_extra.sql'),
            'CREATE TABLE IF NOT EXISTS {database}.extra (a UInt8) ENGINE = MergeTree ORDER BY a;\n',
          );
          await expect(applyClickhouseMigrations(ch, { dir })).rejects.toMatchObject({
            code: 'FRAISEQL_MIGRATION_CHECKSUM_MISMATCH',
            details: { migrations: ['0002_fraiseql_entity_state'] },
          });
          expect(await scalar(ch, "SELECT count() AS v FROM system.tables WHERE database = currentDatabase() AND name = 'extra'")).toBe(0);

          cpSync(join(CLICKHOUSE_MIGRATIONS_DIR, '0002_fraiseql_entity_state.sql'), join(dir, '0002_fraiseql_entity_state.sql'));
          writeFileSync(
            join(dir, '0005_extra.sql'),
            'CREATE TABLE IF NOT EXISTS {database}.extra (a UInt8) ENGINE = MergeTree ORDER BY a;\n\nSELECT no_such_column FROM {database}.extra;\n',
          );
          await expect(applyClickhouseMigrations(ch, { dir })).rejects.toMatchObject({
            code: 'FRAISEQL_MIGRATION_FAILED',
            details: { migration: '0005_extra', statement: 2, line: 3, clickhouseCode: 47, kind: 'permanent' },
          });
          expect(await scalar(ch, "SELECT count() AS v FROM fraiseql_schema_migrations FINAL WHERE name = 'extra'")).toBe(0);

          writeFileSync(
            join(dir, '0005_extra.sql'),
            'CREATE TABLE IF NOT EXISTS {database}.extra (a UInt8) ENGINE = MergeTree ORDER BY a;\n',
          );
          expect((await applyClickhouseMigrations(ch, { dir })).applied).toEqual(['0005_extra']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }));

    it('writes the configured retention into the TTLs and changes them when the configuration changes', () =>
      withDatabase(async (ch) => {
        const ttl = async (table: string): Promise<string> => {
          const text = new TextDecoder().decode(await ch.query(`SHOW CREATE TABLE ${table}`, undefined, 'TSVRaw'));
          return /\bTTL (.*?)(?: SETTINGS|\n|$)/s.exec(text.replace(/\\n/g, '\n'))?.[1] ?? '(none)';
        };
        await applyClickhouseMigrations(ch, { retentionDays: 30, rollupRetentionDays: 400 });
        expect(await ttl('fraiseql_events')).toBe('toDateTime(timestamp) + toIntervalDay(30)');
        expect(await ttl('fraiseql_events_hourly')).toBe('toDateTime(hour) + toIntervalDay(400)');
        expect(await ttl('fraiseql_entities_daily')).toBe('day + toIntervalDay(400)');

        const changed = await applyClickhouseMigrations(ch, { retentionDays: 7, rollupRetentionDays: 400 });
        expect(changed.retention).toEqual([{ table: 'fraiseql_events', fromDays: 30, toDays: 7 }]);
        expect(await ttl('fraiseql_events')).toBe('toDateTime(timestamp) + toIntervalDay(7)');
        expect((await applyClickhouseMigrations(ch, { retentionDays: 7, rollupRetentionDays: 400 })).retention).toEqual([]);

        // The default, and what RETENTION_RULES would write, is exactly what the migrations wrote.
        const defaults = await applyClickhouseMigrations(ch);
        expect(defaults.retention.map((c) => [c.table, c.toDays])).toEqual([
          ['fraiseql_events', 90],
          ['fraiseql_events_hourly', 730],
          ['fraiseql_entities_daily', 730],
        ]);
        expect(RETENTION_RULES.map((r) => r.ttl(90).replace(/INTERVAL (\d+) DAY/, 'toIntervalDay($1)'))).toEqual([
          'toDateTime(timestamp) + toIntervalDay(90)',
          'toDateTime(hour) + toIntervalDay(90)',
          'day + toIntervalDay(90)',
        ]);
        await expect(applyClickhouseMigrations(ch, { retentionDays: 0 })).rejects.toMatchObject({ code: 'FRAISEQL_CONFIG_INVALID' });
      }));
  });

  describe(`analytics tables through ${label}`, () => {
    it('stores and counts a batch inserted twice with one deduplication token once, in the events and in every rollup', () =>
      withDatabase(async (ch) => {
        await applyClickhouseMigrations(ch);
        const batch = Array.from({ length: 40 }, (_, i) => testEvent(i + 1));
        await insertEvents(ch, batch, 'batch-1');
        await insertEvents(ch, batch, 'batch-1');
        expect(await scalar(ch, 'SELECT count() AS v FROM fraiseql_events')).toBe(40);
        expect(await scalar(ch, 'SELECT sum(events) AS v FROM fraiseql_events_hourly')).toBe(40);
        const entities = new Set(batch.map((e) => `${e.org_id ?? ''}/${e.entity_type}/${e.entity_id}`)).size;
        expect(await scalar(ch, 'SELECT count() AS v FROM fraiseql_entity_state FINAL')).toBe(entities);
        expect(await scalar(ch, 'SELECT uniqMerge(entities) AS v FROM fraiseql_entities_daily')).toBe(
          new Set(batch.map((e) => e.entity_id)).size,
        );
        expect(await readJsonRows(ch, HOURLY_ROLLUP_DIFFERENCES, WINDOW)).toEqual([]);
        expect(await readJsonRows(ch, DAILY_ENTITIES_DIFFERENCES, WINDOW)).toEqual([]);
        // Stored as sent: a null org is '', the JSON objects are their text, microseconds kept.
        const [row] = await readJsonRows<Record<string, unknown>>(
          ch,
          'SELECT org_id, toString(timestamp) AS ts, data, before, changed_fields FROM fraiseql_events WHERE event_id = {id:UUID}',
          { id: batch[3]!.event_id },
        );
        expect(row).toEqual({
          org_id: '',
          ts: batch[3]!.timestamp.replace('T', ' ').replace('Z', ''),
          data: JSON.stringify(batch[3]!.data),
          before: JSON.stringify(batch[3]!.before),
          changed_fields: ['status'],
        });
      }));

    it('writes the same rows from RowBinary (encodeEventsRowBinary) as from the JetStream JSON', () =>
      withDatabase(async (ch) => {
        await applyClickhouseMigrations(ch);
        const events = Array.from({ length: 30 }, (_, i) => testEvent(i + 1));
        events[0] = testEvent(1, { data: { text: 'ünïcødé ✓ 𝄞 '.repeat(30), nested: { a: [1, 2, { b: null }] } }, user_id: 'ユーザー' });
        events[1] = testEvent(2, { changed_fields: ['a', 'b', 'c'], schema_version: null, seq: 2 ** 40 + 2 });
        const read = (): Promise<unknown[]> =>
          readJsonRows(
            ch,
            `SELECT ${FRAISEQL_EVENTS_ROW_BINARY_COLUMNS.map((c) => (c === 'timestamp' ? 'toString(timestamp) AS timestamp' : c)).join(', ')}
             FROM fraiseql_events ORDER BY seq`,
          );
        await ch.insert({
          table: 'fraiseql_events',
          format: 'RowBinary',
          columns: FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
          body: encodeEventsRowBinary(events),
          settings: { insert_deduplication_token: 'rb' },
        });
        const fromRowBinary = await read();
        expect(fromRowBinary).toHaveLength(30);
        await ch.command('TRUNCATE TABLE fraiseql_events');
        await insertEvents(ch, events, 'json');
        expect(await read()).toEqual(fromRowBinary);
        expect((fromRowBinary[0] as { data: string }).data).toBe(JSON.stringify(events[0]!.data));

        for (const [field, value] of [
          ['event_id', 'not-a-uuid'],
          ['seq', 1.5],
          ['timestamp', '2026-02-30T00:00:00.000000Z'],
        ] as const) {
          expect(() => encodeEventsRowBinary([events[2]!, { ...events[3]!, [field]: value }])).toThrow(
            expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE', details: { index: 1 } }),
          );
        }
      }));

    it('collapses an event redelivered in another batch with FINAL and OPTIMIZE FINAL; the recount shows and repairs the rollup', () =>
      withDatabase(async (ch) => {
        await applyClickhouseMigrations(ch);
        const first = Array.from({ length: 20 }, (_, i) => testEvent(i + 1));
        const second = [first[4]!, first[9]!, ...Array.from({ length: 10 }, (_, i) => testEvent(i + 21))];
        await insertEvents(ch, first, 'batch-a');
        await insertEvents(ch, second, 'batch-b');
        expect(await scalar(ch, 'SELECT count() AS v FROM fraiseql_events FINAL')).toBe(30);
        expect(await scalar(ch, 'SELECT uniqExact(event_id) AS v FROM fraiseql_events')).toBe(30);

        // The view counted the two redelivered events again; the recount names exactly their hours.
        const differences = await readJsonRows<{ org_id: string; rollup: string; recount: string }>(ch, HOURLY_ROLLUP_DIFFERENCES, WINDOW);
        expect(differences.reduce((sum, d) => sum + Number(d.rollup) - Number(d.recount), 0)).toBe(2);
        await ch.command(HOURLY_ROLLUP_REPAIR, { params: WINDOW });
        expect(await readJsonRows(ch, HOURLY_ROLLUP_DIFFERENCES, WINDOW)).toEqual([]);
        expect(await scalar(ch, 'SELECT sum(events) AS v FROM fraiseql_events_hourly')).toBe(30);
        // Distinct entities cannot be inflated by a duplicate.
        expect(await readJsonRows(ch, DAILY_ENTITIES_DIFFERENCES, WINDOW)).toEqual([]);

        await ch.command('OPTIMIZE TABLE fraiseql_events FINAL');
        expect(await scalar(ch, 'SELECT count() AS v FROM fraiseql_events')).toBe(30);
      }));

    it('finds which redelivered events are stored already, so that a batch without them keeps every rollup exact', () =>
      withDatabase(async (ch) => {
        await applyClickhouseMigrations(ch);
        const first = Array.from({ length: 20 }, (_, i) => testEvent(i + 1));
        await insertEvents(ch, first, 'first');
        const redelivered = [first[3]!, first[9]!, ...Array.from({ length: 5 }, (_, i) => testEvent(i + 101))];
        expect(first[3]!.org_id).toBeNull();
        const stored = await storedEventIds(ch, redelivered);
        expect([...stored].sort()).toEqual([first[3]!.event_id, first[9]!.event_id].sort());
        expect(await storedEventIds(ch, [])).toEqual(new Set());

        await insertEvents(
          ch,
          redelivered.filter((e) => !stored.has(e.event_id)),
          'second',
        );
        expect(await scalar(ch, 'SELECT count() AS v FROM fraiseql_events')).toBe(25);
        expect(await readJsonRows(ch, HOURLY_ROLLUP_DIFFERENCES, WINDOW)).toEqual([]);
      }));

    it('keeps the state with the highest seq whatever the arrival order, and hides a deleted entity', () =>
      withDatabase(async (ch) => {
        await applyClickhouseMigrations(ch);
        const v = (seq: number, status: string, eventType = 'UPDATE'): TestEvent =>
          testEvent(seq, { entity_type: 'Order', entity_id: 'order-1', org_id: ORG_A, event_type: eventType, data: { status } });
        await insertEvents(ch, [v(30, 'SHIPPED')], 's-30');
        await insertEvents(ch, [v(10, 'PENDING', 'INSERT')], 's-10');
        await insertEvents(ch, [v(20, 'PAID')], 's-20');
        await insertEvents(ch, [testEvent(5, { entity_type: 'Order', entity_id: 'order-2', org_id: ORG_A, event_type: 'INSERT' })], 's-5');
        const state = (): Promise<unknown[]> =>
          readJsonRows(ch, 'SELECT entity_id, seq, data FROM fraiseql_entity_state FINAL WHERE org_id = {org:String} ORDER BY entity_id', {
            org: ORG_A,
          });
        expect(await state()).toEqual([
          { entity_id: 'order-1', seq: 30, data: '{"status":"SHIPPED"}' },
          { entity_id: 'order-2', seq: 5, data: expect.stringContaining('"n":5') },
        ]);

        await insertEvents(
          ch,
          [testEvent(40, { entity_type: 'Order', entity_id: 'order-2', org_id: ORG_A, event_type: 'DELETE' })],
          's-40',
        );
        await insertEvents(ch, [testEvent(6, { entity_type: 'Order', entity_id: 'order-2', org_id: ORG_A })], 's-6');
        expect(await state()).toEqual([{ entity_id: 'order-1', seq: 30, data: '{"status":"SHIPPED"}' }]);
        await ch.command('OPTIMIZE TABLE fraiseql_entity_state FINAL');
        expect(
          await readJsonRows(ch, 'SELECT entity_id, seq, is_deleted, data FROM fraiseql_entity_state ORDER BY entity_id', undefined),
        ).toEqual([
          { entity_id: 'order-1', seq: 30, is_deleted: 0, data: '{"status":"SHIPPED"}' },
          { entity_id: 'order-2', seq: 40, is_deleted: 1, data: '' },
        ]);
      }));

    it('gives with uniqMerge the distinct entities count(DISTINCT) gives on the raw events, per day and over several days', () =>
      withDatabase(async (ch) => {
        await applyClickhouseMigrations(ch);
        const events = Array.from({ length: 300 }, (_, i) =>
          testEvent(i + 1, {
            entity_id: `e-${(i * 7) % 61}`,
            timestamp: new Date(BASE_HOUR + (i % 3) * 86_400_000 + i).toISOString().replace('Z', '000Z'),
          }),
        );
        for (let i = 0; i < events.length; i += 50) await insertEvents(ch, events.slice(i, i + 50), `u-${i}`);
        const perDay = `SELECT org_id, day, entity_type, toUInt64(uniqMerge(entities)) AS n FROM fraiseql_entities_daily
                        GROUP BY org_id, day, entity_type ORDER BY org_id, day, entity_type`;
        const rawPerDay = `SELECT org_id, toDate(timestamp) AS day, entity_type, count(DISTINCT entity_id) AS n FROM fraiseql_events
                           GROUP BY org_id, day, entity_type ORDER BY org_id, day, entity_type`;
        const rollup = await readJsonRows(ch, perDay);
        expect(rollup.length).toBeGreaterThan(6);
        expect(rollup).toEqual(await readJsonRows(ch, rawPerDay));
        // Over the three days: merged states, not a sum of the daily figures.
        const overall = await scalar(ch, 'SELECT uniqMerge(entities) AS v FROM fraiseql_entities_daily');
        expect(overall).toBe(await scalar(ch, 'SELECT count(DISTINCT entity_id) AS v FROM fraiseql_events'));
        expect(overall).toBeLessThan(
          await scalar(ch, 'SELECT sum(n) AS v FROM (SELECT uniqMerge(entities) AS n FROM fraiseql_entities_daily GROUP BY day)'),
        );
        expect(await readJsonRows(ch, DAILY_ENTITIES_DIFFERENCES, WINDOW)).toEqual([]);
        expect(await readJsonRows(ch, HOURLY_ROLLUP_DIFFERENCES, WINDOW)).toEqual([]);
      }));

    it('inserts an Arrow IPC stream (ArrowStream), columns matched by name', () =>
      withDatabase(async (ch) => {
        await ch.createDatabase();
        await ch.command('CREATE TABLE arrow_in (id UInt64, label String, note Nullable(String)) ENGINE = MergeTree ORDER BY id');
        const table = new Table({
          label: vectorFromArray(['a', 'bé', 'c'], new Utf8()),
          id: vectorFromArray([1n, 2n, 2n ** 40n], new Int64()),
          note: vectorFromArray(['x', null, 'z'], new Utf8()),
        });
        await ch.insert({
          table: 'arrow_in',
          format: 'ArrowStream',
          body: tableToIPC(table, 'stream'),
          settings: { insert_deduplication_token: 'a' },
        });
        expect(await readJsonRows(ch, 'SELECT toString(id) AS i, label, note FROM arrow_in ORDER BY arrow_in.id')).toEqual([
          { i: '1', label: 'a', note: 'x' },
          { i: '2', label: 'bé', note: null },
          { i: String(2 ** 40), label: 'c', note: 'z' },
        ]);
      }));

    it('answers an org-scoped query as one Arrow IPC stream that apache-arrow reads', () =>
      withDatabase(async (ch) => {
        await applyClickhouseMigrations(ch);
        await insertEvents(
          ch,
          Array.from({ length: 60 }, (_, i) => testEvent(i + 1)),
          'arrow',
        );
        const sql = `SELECT hour, entity_type, event_type, sum(events) AS events FROM fraiseql_events_hourly
                     WHERE org_id = {org:String} GROUP BY hour, entity_type, event_type ORDER BY hour, entity_type, event_type`;
        const expected = await readJsonRows<{ events: string }>(ch, sql, { org: ORG_B });
        const chunks: Uint8Array[] = [];
        for await (const chunk of ch.queryStream(sql, { org: ORG_B }, 'ArrowStream')) chunks.push(chunk);
        const batches = [...RecordBatchReader.from(Buffer.concat(chunks))];
        const rows = batches.flatMap((batch) => [...batch].map((row) => row.toJSON()));
        expect(batches[0]!.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
          'hour:Timestamp<SECOND, UTC>',
          'entity_type:Utf8',
          'event_type:Utf8',
          'events:Int64',
        ]);
        expect(rows.map((r) => Number((r as { events: bigint }).events))).toEqual(expected.map((r) => Number(r.events)));
        expect(rows.length).toBeGreaterThan(3);
        expect(Buffer.from(await ch.query(sql, { org: ORG_B }, 'ArrowStream'))).toEqual(Buffer.concat(chunks));
      }));
  });
}
