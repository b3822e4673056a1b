import type { Pool } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';
import { TICKET_LIMITS, type FlightClient, type FlightInfo } from '@fraiseql/flight';
import { arrowDataset, column, compileSchema, defineSchema, entity, field, listQuery } from '@fraiseql/schema';
import { ORG_A, ORG_B, startFlightStack, type FlightStack } from './fixtures/flight-stack';

const cmd = (value: unknown) => ({ type: 2, cmd: Buffer.from(JSON.stringify(value)) });
const path = (...parts: string[]) => ({ type: 1, path: parts });
const tickets = (info: FlightInfo): Uint8Array[] => (info.endpoint ?? []).map((e) => e.ticket!.ticket!);

/** Rows of org A: n = 1..ROWS_A; org B holds as many again, which must never come out. */
const ROWS_A = 5000;

function partitionsSchema() {
  const Widget = entity('Widget', { view: 'v_widget', tenantScoped: true }, { id: field.id(), name: field.string() });
  return compileSchema(
    defineSchema({
      types: [Widget],
      queries: [listQuery('widgets', Widget)],
      datasets: [
        arrowDataset('ta_part_rows', {
          description: 'Rows of two orgs, partitioned on n.',
          tenantScoped: true,
          orgColumn: 'org_id',
          partitionColumn: 'n',
          columns: { n: column.int8({ nullable: false }), org_id: column.uuid({ nullable: false }), label: column.text() },
        }),
        // The same rows, partitioned on a nullable column (label is NULL on every 7th row).
        arrowDataset('ta_part_by_label', {
          description: 'Rows of two orgs, partitioned on a nullable text column.',
          tenantScoped: true,
          orgColumn: 'org_id',
          partitionColumn: 'label',
          columns: { n: column.int8({ nullable: false }), org_id: column.uuid({ nullable: false }), label: column.text() },
        }),
        // No partitionColumn and no `id` column to default to: always one partition.
        arrowDataset('ta_unpartitioned', {
          description: 'A dataset without a partition column.',
          tenantScoped: false,
          columns: { k: column.int4({ nullable: false }), v: column.text() },
        }),
      ],
    }),
  );
}

async function preparePartitions(admin: Pool): Promise<void> {
  await admin.query(`CREATE TABLE tb_widget (id uuid PRIMARY KEY, org_id uuid NOT NULL, name text NOT NULL);
    CREATE VIEW v_widget AS SELECT id, org_id, jsonb_build_object('id', id, 'name', name) AS data FROM tb_widget;`);
  await admin.query('CREATE TABLE ta_part_rows (n int8 NOT NULL, org_id uuid NOT NULL, label text)');
  await admin.query(
    `INSERT INTO ta_part_rows SELECT g, $1::uuid, CASE WHEN g % 7 = 0 THEN NULL ELSE 'row ' || g END FROM generate_series(1, ${ROWS_A}) AS g`,
    [ORG_A],
  );
  await admin.query(`INSERT INTO ta_part_rows SELECT -g, $1::uuid, 'b' FROM generate_series(1, ${ROWS_A}) AS g`, [ORG_B]);
  await admin.query('CREATE VIEW ta_part_by_label AS SELECT n, org_id, label FROM ta_part_rows');
  await admin.query('CREATE TABLE ta_unpartitioned (k int4 NOT NULL, v text)');
  await admin.query(`INSERT INTO ta_unpartitioned SELECT g, 'v' || g FROM generate_series(1, 100) AS g`);
  await admin.query('ANALYZE');
}

/** Every endpoint's DoGet at once on one client; the n of every row received. */
async function readInParallel(client: FlightClient, info: FlightInfo): Promise<bigint[][]> {
  return Promise.all(
    tickets(info).map(async (ticket) => {
      const values: bigint[] = [];
      for await (const batch of client.doGet(ticket)) {
        const n = batch.getChild('n')!;
        for (let i = 0; i < batch.numRows; i++) values.push(n.get(i) as bigint);
      }
      return values;
    }),
  );
}

async function expectBadInput(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FraiseqlError);
  expect((error as FraiseqlError).code).toBe('BAD_USER_INPUT');
  expect((error as FraiseqlError).details?.grpcStatusName).toBe('INVALID_ARGUMENT');
  expect((error as FraiseqlError).message).toMatch(message);
}

describe('export partitions chosen by the caller (real PostgreSQL as fraiseql_flight, real gRPC)', () => {
  let stack: FlightStack;
  let client: FlightClient;

  beforeAll(async () => {
    // 3,000 rows per partition: the estimate (5,000 rows of org A) alone makes 2 partitions.
    stack = await startFlightStack({
      compiled: partitionsSchema(),
      prepare: preparePartitions,
      maxConcurrentStreams: 8,
      settings: { batchSize: 700, partitionRows: 3000 },
    });
    client = await stack.client();
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it.each([1, 2, 4, 7])(
    'offers exactly %i endpoint(s) for {"partitions": n}, which read in parallel hold every row of the org once',
    async (count) => {
      const info = await client.getFlightInfo(cmd({ kind: 'export', source: 'ta_part_rows', partitions: count }));
      expect(tickets(info)).toHaveLength(count);
      expect(info.ordered).toBe(false);
      const parts = await readInParallel(client, info);
      const all = parts.flat().map(Number);
      expect(all).toHaveLength(ROWS_A);
      expect(new Set(all).size).toBe(ROWS_A);
      expect(Math.min(...all)).toBe(1);
      expect(Math.max(...all)).toBe(ROWS_A);
      // Hash partitions: none empty at this size, none holding everything.
      if (count > 1) for (const part of parts) expect(part.length).toBeGreaterThan(0);
      if (count > 1) for (const part of parts) expect(part.length).toBeLessThan(ROWS_A);
    },
    60_000,
  );

  it('puts the rows whose partition key is NULL in exactly one partition (the first)', async () => {
    const info = await client.getFlightInfo(cmd({ kind: 'export', source: 'ta_part_by_label', partitions: 4 }));
    const parts = await Promise.all(
      tickets(info).map(async (ticket) => {
        const rows: Array<{ n: number; label: string | null }> = [];
        for await (const batch of client.doGet(ticket)) {
          const n = batch.getChild('n')!;
          const label = batch.getChild('label')!;
          for (let i = 0; i < batch.numRows; i++) rows.push({ n: Number(n.get(i)), label: label.get(i) as string | null });
        }
        return rows;
      }),
    );
    const all = parts.flat();
    expect(all).toHaveLength(ROWS_A);
    expect(new Set(all.map((r) => r.n)).size).toBe(ROWS_A);
    const nullsPerPartition = parts.map((rows) => rows.filter((r) => r.label === null).length);
    expect(nullsPerPartition).toEqual([Math.floor(ROWS_A / 7), 0, 0, 0]);
  });

  it('keeps the chosen columns in every partition, and the estimate decides the count when partitions is left out', async () => {
    const chosen = await client.getFlightInfo(cmd({ kind: 'export', source: 'ta_part_rows', columns: ['label', 'n'], partitions: 3 }));
    expect(tickets(chosen)).toHaveLength(3);
    let rows = 0;
    let nullLabels = 0;
    for (const ticket of tickets(chosen)) {
      for await (const batch of client.doGet(ticket)) {
        expect(batch.schema.fields.map((f) => f.name)).toEqual(['label', 'n']);
        rows += batch.numRows;
        const label = batch.getChild('label')!;
        for (let i = 0; i < batch.numRows; i++) if (label.get(i) === null) nullLabels++;
      }
    }
    expect(rows).toBe(ROWS_A);
    expect(nullLabels).toBe(Math.floor(ROWS_A / 7));

    // ceil(5,000 estimated rows / 3,000 partitionRows) = 2, as before the option existed.
    const byEstimate = await client.getFlightInfo(cmd({ kind: 'export', source: 'ta_part_rows' }));
    expect(tickets(byEstimate)).toHaveLength(2);
    expect(tickets(await client.getFlightInfo(path('ta_part_rows')))).toHaveLength(2);
  });

  it(`accepts up to TICKET_LIMITS.maxPartitions (${TICKET_LIMITS.maxPartitions}) partitions`, async () => {
    const info = await client.getFlightInfo(cmd({ kind: 'export', source: 'ta_part_rows', partitions: TICKET_LIMITS.maxPartitions }));
    expect(tickets(info)).toHaveLength(TICKET_LIMITS.maxPartitions);
    // The last one is a valid ticket too: every row whose hash falls in it, possibly none.
    let rows = 0;
    for await (const batch of client.doGet(tickets(info)[TICKET_LIMITS.maxPartitions - 1]!)) rows += batch.numRows;
    expect(rows).toBeLessThan(ROWS_A);
  });

  it('refuses a partition count that is not an integer from 1 to the limit, with BAD_USER_INPUT', async () => {
    for (const partitions of [0, -1, 2.5, TICKET_LIMITS.maxPartitions + 1, '4', null, [2]]) {
      await expectBadInput(
        client.getFlightInfo(cmd({ kind: 'export', source: 'ta_part_rows', partitions })),
        /partitions must be an integer from 1 to 1024/,
      );
    }
    await expectBadInput(
      client.getFlightInfo(cmd({ kind: 'export', source: 'ta_part_rows', partitions: 2, partition: { index: 0, count: 2 } })),
      /takes source, columns and partitions only \(got partition\)/,
    );
  });

  it('refuses more than one partition of a dataset without a partitionColumn, and serves it whole with partitions 1', async () => {
    await expectBadInput(
      client.getFlightInfo(cmd({ kind: 'export', source: 'ta_unpartitioned', partitions: 2 })),
      /ta_unpartitioned declares no partitionColumn/,
    );
    const info = await client.getFlightInfo(cmd({ kind: 'export', source: 'ta_unpartitioned', partitions: 1 }));
    expect(tickets(info)).toHaveLength(1);
    let rows = 0;
    for await (const batch of client.doGet(tickets(info)[0]!)) rows += batch.numRows;
    expect(rows).toBe(100);
  });

  it('does not partition view tickets', async () => {
    await expectBadInput(client.getFlightInfo(cmd({ kind: 'view', view: 'ta_part_rows', columns: ['n'], partitions: 2 })), /partitions/);
  });
});
