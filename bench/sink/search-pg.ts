/**
 * Search indexing into PostgreSQL full-text (libs/search's PostgresSearchStore), side by side in one run with a bare
 * write of the same rows into an unindexed table: a multi-row INSERT (unnest of arrays, the store's own way in) and
 * a COPY. Not a test; ratios are what count (2 noisy cores).
 *
 * Per round, in a throwaway database: the N events (realistic orders: created, updated, some deleted; 20 orgs)
 * go in batches into (a) the store, in a fresh schema: validation, text extraction, tsvector, GIN, entity upsert by
 * seq; (b) a plain table with the same event columns, no index or key, by INSERT … SELECT FROM unnest(…); (c) another
 * such table by COPY (CSV). The three take turns every 5 batches, in rotating order, so load changes on the machine
 * hit them alike. Then a few searches time the read side, and the sizes are compared.
 *
 * Usage: npx tsx bench/sink/search-pg.ts [--events 100000] [--batch 1000] [--rounds 2] [--config simple]
 * The sink's bench runner can import `measureSearchIndexing` instead.
 */
import { randomBytes } from 'node:crypto';
import { Writable, pipeline, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { EntityEvent } from '@fraiseql/events';
import { PostgresSearchStore } from '@fraiseql/search';
import { createTestDatabase } from '@fraiseql/testkit';

export interface SearchIndexingBenchOptions {
  events: number;
  batch: number;
  rounds: number;
  textSearchConfig: string;
  log?: (line: string) => void;
}

export interface SearchIndexingRound {
  storeEventsPerSecond: number;
  insertEventsPerSecond: number;
  copyEventsPerSecond: number;
  /** Store rate / bare INSERT rate, and / COPY rate. */
  ratioToInsert: number;
  ratioToCopy: number;
}

export interface SearchIndexingResult {
  options: Omit<SearchIndexingBenchOptions, 'log'>;
  rounds: SearchIndexingRound[];
  /** Medians over the rounds. */
  ratioToInsert: number;
  ratioToCopy: number;
  storeEventsPerSecond: number;
  /** After the last round: searchEvents first=20, milliseconds. */
  searchP50Ms: number;
  searchP95Ms: number;
  /** Sizes after the last round: the store's schema vs the plain table, bytes. */
  storeBytes: number;
  plainBytes: number;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Linus', 'Barbara', 'Edsger', 'Margaret', 'Dennis', 'Frances', 'Ken', 'Radia', 'Niklaus', 'Hedy'];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Torvalds',
  'Liskov',
  'Dijkstra',
  'Hamilton',
  'Ritchie',
  'Allen',
  'Thompson',
  'Perlman',
  'Wirth',
];
const CITIES = ['Lyon', 'Porto', 'Ghent', 'Bergen', 'Kraków', 'Bologna', 'Tartu', 'Cork', 'Graz', 'Utrecht', 'Malmö', 'Nantes', 'Zürich'];
const STREETS = ['Rue de la Paix', 'Main Street', 'Hauptstraße', 'Calle Mayor', 'Via Roma', 'Station Road', 'Kirkegata'];
const PRODUCTS = [
  ['TEA-01', 'Earl Grey loose leaf tea 250g'],
  ['TEA-02', 'Sencha green tea, first flush'],
  ['CUP-10', 'Stoneware mug, ocean blue'],
  ['KET-20', 'Cast iron kettle 1.2 l'],
  ['POT-05', 'Glass teapot with infuser'],
  ['BIS-33', 'Butter biscuits, family pack'],
  ['HON-07', 'Wildflower honey, raw'],
  ['FIL-12', 'Paper tea filters x100'],
] as const;
const NOTES = [
  'Leave the parcel with the neighbour if nobody answers',
  'Gift wrap please, it is a birthday present',
  'Customer called about a late delivery',
  'Payment retried after a card decline',
  'Damaged on arrival, replacement sent',
  '',
];
const STATUSES = ['PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'];

/** N events of orders: ~60% created, ~35% updated (status, notes), ~5% deleted; seq global and increasing, like the change log's. */
export function generateOrderEvents(count: number, seed = 42): EntityEvent[] {
  let state = seed;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    // The high bits: an LCG's low bits repeat with a short period.
    return Math.floor((state / 2147483648) * n);
  };
  const pick = <T>(items: readonly T[]): T => items[rand(items.length)]!;
  const orgs = Array.from({ length: 20 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const live: Array<{ id: string; org: string; data: Record<string, unknown> }> = [];
  const events: EntityEvent[] = [];
  let time = Date.UTC(2025, 0, 1);
  for (let seq = 1; seq <= count; seq++) {
    time += 1 + rand(50);
    const roll = rand(100);
    let eventType: string;
    let order: { id: string; org: string; data: Record<string, unknown> };
    if (live.length < 100 || roll < 60) {
      const first = pick(FIRST);
      const last = pick(LAST);
      const lines = Array.from({ length: 1 + rand(4) }, () => {
        const [sku, name] = pick(PRODUCTS);
        return { sku, product: name, quantity: 1 + rand(5), unit_price: (199 + rand(4000)) / 100 };
      });
      order = {
        id: uuidV7(time),
        org: pick(orgs),
        data: {
          number: `ORD-${100000 + seq}`,
          status: 'PENDING',
          customer: { name: `${first} ${last}`, email: `${first}.${last}@example.com`.toLowerCase() },
          shipping: { street: `${1 + rand(200)} ${pick(STREETS)}`, city: pick(CITIES), country: 'EU' },
          lines,
          total: Math.round(lines.reduce((sum, l) => sum + l.quantity * l.unit_price, 0) * 100) / 100,
          currency: 'EUR',
          notes: pick(NOTES),
        },
      };
      live.push(order);
      eventType = 'INSERT';
    } else if (roll < 95) {
      order = live[rand(live.length)]!;
      order.data = { ...order.data, status: pick(STATUSES), notes: pick(NOTES) };
      eventType = 'UPDATE';
    } else {
      const index = rand(live.length);
      order = live[index]!;
      live.splice(index, 1);
      eventType = 'DELETE';
    }
    events.push({
      event_id: uuidV7(time),
      seq,
      event_type: eventType,
      entity_type: 'Order',
      entity_id: order.id,
      org_id: order.org,
      user_id: null,
      timestamp: new Date(time).toISOString().replace('Z', '000Z'),
      data: { id: order.id, ...order.data },
      before: null,
      changed_fields: eventType === 'UPDATE' ? ['status', 'notes'] : [],
      schema_version: null,
    });
  }
  return events;
}

function uuidV7(ms: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const plainTable = (table: string): string => `
CREATE TABLE ${table} (
  event_id uuid, org_id text, entity_type text, entity_id text, event_type text, seq bigint, ts timestamptz, data jsonb
)`;
const plainInsert = (table: string): string => `
INSERT INTO ${table} (event_id, org_id, entity_type, entity_id, event_type, seq, ts, data)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[], $8::jsonb[])`;

async function insertPlain(client: Client, table: string, batch: readonly EntityEvent[]): Promise<void> {
  const columns: unknown[][] = Array.from({ length: 8 }, () => []);
  for (const e of batch) {
    columns[0]!.push(e.event_id);
    columns[1]!.push(e.org_id);
    columns[2]!.push(e.entity_type);
    columns[3]!.push(e.entity_id);
    columns[4]!.push(e.event_type);
    columns[5]!.push(e.seq);
    columns[6]!.push(e.timestamp);
    columns[7]!.push(JSON.stringify(e.data));
  }
  await client.query(plainInsert(table), columns);
}

interface CopyFrom {
  from(text: string): Writable & { rowCount?: number };
}

async function copyPlain(client: Client, copy: CopyFrom, table: string, batch: readonly EntityEvent[]): Promise<void> {
  const csv = (value: string | null): string => (value === null ? '' : `"${value.replace(/"/g, '""')}"`);
  const lines = batch.map(
    (e) =>
      `${e.event_id},${csv(e.org_id)},${csv(e.entity_type)},${csv(e.entity_id)},${csv(e.event_type)},${e.seq},${e.timestamp},` +
      `${csv(JSON.stringify(e.data))}\n`,
  );
  const stream = client.query(copy.from(`COPY ${table} FROM STDIN (FORMAT csv)`) as never) as unknown as Writable;
  await promisify(pipeline)(Readable.from([lines.join('')]), stream);
}

type Leg = 'store' | 'insert' | 'copy';
const LEGS: readonly Leg[] = ['store', 'insert', 'copy'];
/** Batches a leg runs before the next takes its turn. */
const INTERLEAVE = 5;

async function timed(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function measureSearchIndexing(options: SearchIndexingBenchOptions): Promise<SearchIndexingResult> {
  const log = options.log ?? (() => undefined);
  const events = generateOrderEvents(options.events);
  const batches: EntityEvent[][] = [];
  for (let i = 0; i < events.length; i += options.batch) batches.push(events.slice(i, i + options.batch));
  const copy = (await import('pg-copy-streams' as string)) as CopyFrom;
  const db = await createTestDatabase('fraiseql_search_pg_bench');
  const client = new Client({ connectionString: db.url });
  await client.connect();
  const rounds: SearchIndexingRound[] = [];
  let last: PostgresSearchStore | undefined;
  try {
    for (let round = 0; round < options.rounds; round++) {
      const schema = `bench_round_${round}`;
      const store = new PostgresSearchStore({ connectionString: db.url, poolMax: 2, schema, textSearchConfig: options.textSearchConfig });
      await store.prepare();
      await client.query(`DROP TABLE IF EXISTS bench_insert, bench_copy`);
      await client.query(plainTable('bench_insert'));
      await client.query(plainTable('bench_copy'));
      await client.query('CHECKPOINT');
      const legs: Record<Leg, (batch: readonly EntityEvent[]) => Promise<void>> = {
        store: async (batch) => {
          const { rejected } = await store.index(batch);
          if (rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(rejected[0])}`);
        },
        insert: (batch) => insertPlain(client, 'bench_insert', batch),
        copy: (batch) => copyPlain(client, copy, 'bench_copy', batch),
      };
      // The legs take turns every few batches (the order rotating), so a change of the machine's load falls on all
      // three alike rather than on whichever ran at that moment.
      const seconds: Record<Leg, number> = { store: 0, insert: 0, copy: 0 };
      for (let chunk = 0; chunk * INTERLEAVE < batches.length; chunk++) {
        const group = batches.slice(chunk * INTERLEAVE, (chunk + 1) * INTERLEAVE);
        for (let i = 0; i < LEGS.length; i++) {
          const leg = LEGS[(i + chunk + round) % LEGS.length]!;
          seconds[leg] += await timed(async () => {
            for (const batch of group) await legs[leg](batch);
          });
        }
      }
      const rate = (leg: Leg): number => events.length / seconds[leg];
      log(
        `round ${round + 1}: store ${Math.round(rate('store'))}/s, INSERT ${Math.round(rate('insert'))}/s, COPY ${Math.round(rate('copy'))}/s`,
      );
      rounds.push({
        storeEventsPerSecond: rate('store'),
        insertEventsPerSecond: rate('insert'),
        copyEventsPerSecond: rate('copy'),
        ratioToInsert: rate('store') / rate('insert'),
        ratioToCopy: rate('store') / rate('copy'),
      });
      if (last) await last.close();
      last = store;
    }
    await client.query('VACUUM ANALYZE');
    const orgs = [...new Set(events.slice(0, 200).map((e) => e.org_id))];
    const words = ['lovelace', 'earl grey', 'kettle', '"late delivery"', 'ghent', 'honey -biscuits', 'cancelled', 'ORD-100042'];
    const latencies: number[] = [];
    for (let i = 0; i < 60; i++) {
      const query = { orgId: orgs[i % orgs.length]!, query: words[i % words.length]!, first: 20 };
      latencies.push((await timed(async () => void (await last!.searchEvents(query)))) * 1000);
    }
    latencies.sort((a, b) => a - b);
    const sizes = await client.query<{ store: string; plain: string }>(
      `SELECT sum(pg_total_relation_size(c.oid))::text AS store, pg_total_relation_size('bench_insert')::text AS plain
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [`bench_round_${options.rounds - 1}`],
    );
    return {
      options: { events: options.events, batch: options.batch, rounds: options.rounds, textSearchConfig: options.textSearchConfig },
      rounds,
      ratioToInsert: median(rounds.map((r) => r.ratioToInsert)),
      ratioToCopy: median(rounds.map((r) => r.ratioToCopy)),
      storeEventsPerSecond: median(rounds.map((r) => r.storeEventsPerSecond)),
      searchP50Ms: latencies[Math.floor(latencies.length * 0.5)]!,
      searchP95Ms: latencies[Math.floor(latencies.length * 0.95)]!,
      storeBytes: Number(sizes.rows[0]!.store),
      plainBytes: Number(sizes.rows[0]!.plain),
    };
  } finally {
    await last?.close();
    await client.end();
    await db.drop();
  }
}

function parseArgs(argv: string[]): SearchIndexingBenchOptions {
  const value = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
  };
  return {
    events: Number(value('events', '100000')),
    batch: Number(value('batch', '1000')),
    rounds: Number(value('rounds', '2')),
    textSearchConfig: value('config', 'simple'),
    log: (line) => process.stdout.write(`[bench:search-pg] ${line}\n`),
  };
}

if (require.main === module) {
  measureSearchIndexing(parseArgs(process.argv.slice(2)))
    .then((result) => {
      const pct = (r: number): string => `${r.toFixed(2)}×`;
      process.stdout.write(
        [
          `events ${result.options.events}, batches of ${result.options.batch}, ${result.options.rounds} rounds, config ${result.options.textSearchConfig}`,
          ...result.rounds.map(
            (r, i) =>
              `round ${i + 1}: store ${Math.round(r.storeEventsPerSecond)}/s, INSERT ${Math.round(r.insertEventsPerSecond)}/s, ` +
              `COPY ${Math.round(r.copyEventsPerSecond)}/s → ${pct(r.ratioToInsert)} of INSERT, ${pct(r.ratioToCopy)} of COPY`,
          ),
          `median: store ${Math.round(result.storeEventsPerSecond)} events/s = ${pct(result.ratioToInsert)} of bare INSERT, ` +
            `${pct(result.ratioToCopy)} of COPY (same rows, unindexed table)`,
          `searchEvents first=20: p50 ${result.searchP50Ms.toFixed(1)} ms, p95 ${result.searchP95Ms.toFixed(1)} ms`,
          `size: store schema ${(result.storeBytes / 1e6).toFixed(0)} MB vs plain table ${(result.plainBytes / 1e6).toFixed(0)} MB ` +
            `(${pct(result.storeBytes / result.plainBytes)})`,
        ].join('\n') + '\n',
      );
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    });
}
