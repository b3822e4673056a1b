import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadChdb } from '@fraiseql/testkit';
import { FraiseqlError } from '@fraiseql/errors';
import { parquetWriterMemoryBytes, runExport, type ExportFormat, type ExportJobContext, type ExportPayload } from '../src';
import { BIG_ROWS, createExportFixture, ORG_A, ORG_B, ORG_B_ROWS, type ExportFixture } from './export-fixture';

const CLICKHOUSE_FORMAT: Record<ExportFormat, string> = { parquet: 'Parquet', arrow: 'ArrowStream', csv: 'CSVWithNames' };
// CSV carries no types: the structure ClickHouse reads it with.
const CSV_STRUCTURE =
  "id UUID, org_id UUID, n_int Nullable(Int32), n_big Int64, amount Decimal(12, 2), ratio Float64, label Nullable(String), flag Bool, created_at DateTime64(6, \\'UTC\\'), day Date32, tags String";

interface Aggregates {
  rows: number;
  sum_big: string;
  min_int: number;
  max_int: number;
  nulls_int: number;
  sum_amount: number;
  sum_ratio: number;
  ids: number;
  labels: number;
  flags: number;
  min_day: string;
  max_created_us: string;
  orgs: number;
}

function context(
  jobId: string,
  orgId: string | null = ORG_A,
  signal = new AbortController().signal,
): ExportJobContext & { reports: number[] } {
  const reports: number[] = [];
  return { orgId, jobId, signal, reports, progress: ({ rows }) => void reports.push(rows) };
}

/** What ClickHouse computes over the exported file, in the same shape as `postgresAggregates`. */
function clickhouseAggregates(path: string, format: ExportFormat): Aggregates {
  const source =
    format === 'csv' ? `file('${path}', 'CSVWithNames', '${CSV_STRUCTURE}')` : `file('${path}', '${CLICKHOUSE_FORMAT[format]}')`;
  const text = loadChdb().query(
    `SELECT count() AS rows, toString(sum(toInt128(n_big))) AS sum_big, min(n_int) AS min_int, max(n_int) AS max_int,
            countIf(isNull(n_int)) AS nulls_int, toFloat64(sum(amount)) AS sum_amount, sum(ratio) AS sum_ratio,
            uniqExact(id) AS ids, uniqExact(label) AS labels, countIf(flag) AS flags, toString(min(day)) AS min_day,
            toString(toUnixTimestamp64Micro(max(created_at))) AS max_created_us, uniqExact(org_id) AS orgs
       FROM ${source}
     SETTINGS date_time_input_format = 'best_effort', output_format_json_quote_64bit_integers = 0`,
    'JSONEachRow',
  );
  return JSON.parse(text) as Aggregates;
}

async function postgresAggregates(fixture: ExportFixture, where: string): Promise<Aggregates> {
  const { rows } = await fixture.pool.query(
    `SELECT count(*)::int AS rows, sum(n_big)::text AS sum_big, min(n_int) AS min_int, max(n_int) AS max_int,
            count(*) FILTER (WHERE n_int IS NULL)::int AS nulls_int, sum(amount)::float8 AS sum_amount, sum(ratio) AS sum_ratio,
            count(DISTINCT id)::int AS ids, count(DISTINCT label)::int AS labels, count(*) FILTER (WHERE flag)::int AS flags,
            min(day)::text AS min_day, (extract(epoch FROM max(created_at)) * 1000000)::bigint::text AS max_created_us,
            count(DISTINCT org_id)::int AS orgs
       FROM va_item WHERE ${where}`,
  );
  return rows[0] as Aggregates;
}

function expectSameAggregates(actual: Aggregates, expected: Aggregates): void {
  const { sum_ratio: ratio, ...rest } = actual;
  const { sum_ratio: expectedRatio, ...expectedRest } = expected;
  expect(rest).toEqual(expectedRest);
  expect(ratio).toBeCloseTo(expectedRatio, 0);
}

describe('runExport of a view (PostgreSQL → file, read back by ClickHouse through chdb)', () => {
  let fixture: ExportFixture;
  let expectedOrgA: Aggregates;

  beforeAll(async () => {
    fixture = await createExportFixture();
    expectedOrgA = await postgresAggregates(fixture, `org_id = '${ORG_A}'`);
  }, 120_000);
  afterAll(async () => {
    await fixture?.dispose();
  });

  it.each(['parquet', 'arrow', 'csv'] as const)(
    'exports 1,000,000 rows of one org as %s with the row count and aggregates PostgreSQL computes',
    async (format) => {
      const ctx = context(`big-${format}`);
      const result = await runExport({ format, source: { kind: 'view', view: 'va_item' } }, ctx, fixture);
      expect(result).toMatchObject({ format, rows: BIG_ROWS, key: `${ORG_A}/big-${format}.${format === 'arrow' ? 'arrows' : format}` });
      expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect((await fixture.store.stat(result.key))?.sizeBytes).toBe(result.sizeBytes);
      expectSameAggregates(clickhouseAggregates(result.location, format), expectedOrgA);
      // Progress came while running, rising, and ended at the total.
      expect(ctx.reports.length).toBeGreaterThanOrEqual(8);
      expect(ctx.reports).toEqual([...ctx.reports].sort((a, b) => a - b));
      expect(ctx.reports.at(-1)).toBe(BIG_ROWS);
      if (format === 'parquet') {
        // Row groups are flushed as they fill and each batch's copy is freed: the writer's WebAssembly memory
        // (which never shrinks, so this is its peak) stays under the size of the file it wrote.
        expect(parquetWriterMemoryBytes()).toBeLessThan(result.sizeBytes);
      }
      await fixture.store.delete(result.key);
    },
    120_000,
  );

  it('never exports rows of another org, and applies where, columns, orderBy and limit as SQL would', async () => {
    const payload: ExportPayload = {
      format: 'arrow',
      source: {
        kind: 'view',
        view: 'va_item',
        where: { n_int: { lt: -48000 }, flag: { eq: true }, label: { isNull: false }, day: { lt: '2010-01-01' } },
      },
    };
    const result = await runExport(payload, context('filtered', ORG_B), fixture);
    const expected = await postgresAggregates(
      fixture,
      `org_id = '${ORG_B}' AND n_int < -48000 AND flag AND label IS NOT NULL AND day < '2010-01-01'`,
    );
    expect(expected.rows).toBeGreaterThan(100);
    expect(expected.rows).toBeLessThan(ORG_B_ROWS);
    expect(result.rows).toBe(expected.rows);
    expectSameAggregates(clickhouseAggregates(result.location, 'arrow'), expected);
    const orgs = loadChdb().query(`SELECT DISTINCT toString(org_id) FROM file('${result.location}', 'ArrowStream')`, 'CSV');
    expect(orgs.trim()).toBe(`"${ORG_B}"`);

    const top = await runExport(
      {
        format: 'csv',
        source: {
          kind: 'view',
          view: 'va_item',
          columns: ['n_big', 'label'],
          where: { n_big: { in: [3000000007 * 1000001, 3000000007 * 1000002, 3000000007 * 5] } },
          orderBy: [{ column: 'n_big', direction: 'desc' }],
          limit: 1,
        },
      },
      context('top', ORG_B),
      fixture,
    );
    const text = (await readText(fixture, top.key)).trim();
    // Row 5 belongs to org A: invisible to org B whatever the filter says.
    expect(text).toBe(`n_big,label\n${3000000007 * 1000002},"label ""${1000002 % 5003}"", é"`);
  });

  it('exports a global view (no org_id) and refuses a tenant view to a job without an org', async () => {
    const result = await runExport({ format: 'csv', source: { kind: 'view', view: 'va_country' } }, context('countries', ORG_A), fixture);
    expect(await readText(fixture, result.key)).toBe('code,name\nFR,France\nDE,Germany\n');
    await expect(
      runExport({ format: 'csv', source: { kind: 'view', view: 'v_item' } }, context('no-org', null), fixture),
    ).rejects.toMatchObject({
      code: 'FRAISEQL_JOB_PAYLOAD_INVALID',
      details: { path: 'payload.source.view' },
    });
  });

  it('refuses an unknown view, column or a mistyped filter value by name, before anything is written', async () => {
    const cases: [ExportPayload['source'], string, RegExp][] = [
      [{ kind: 'view', view: 'va_missing' }, 'payload.source.view', /no view "va_missing"/],
      [{ kind: 'view', view: 'va_item', columns: ['id', 'nope'] }, 'payload.source.columns.1', /va_item has no column "nope"/],
      [{ kind: 'view', view: 'va_item', where: { ghost: { eq: 1 } } }, 'payload.source.where.ghost', /no column "ghost"/],
      [{ kind: 'view', view: 'va_item', orderBy: [{ column: 'pk' }] }, 'payload.source.orderBy.0.column', /no column "pk"/],
      [
        { kind: 'view', view: 'va_item', where: { n_int: { eq: 'many' } } },
        'payload.source.where.n_int.eq',
        /"many" is not a valid integer/,
      ],
      [
        { kind: 'view', view: 'va_item', where: { day: { in: ['2020-01-01', 'soon'] } } },
        'payload.source.where.day.in.1',
        /not a valid date/,
      ],
    ];
    const before = listFiles(fixture.directory);
    for (const [source, path, message] of cases) {
      const error = (await runExport({ format: 'parquet', source }, context('refused'), fixture).catch((e: unknown) => e)) as FraiseqlError;
      expect(error).toBeInstanceOf(FraiseqlError);
      expect(error.code).toBe('FRAISEQL_JOB_PAYLOAD_INVALID');
      expect(error.details).toEqual({ path });
      expect(error.message).toMatch(message);
      expect(error.message.startsWith(`${path}: `)).toBe(true);
    }
    expect(listFiles(fixture.directory)).toEqual(before);
  });

  it.each(['parquet', 'csv'] as const)(
    'stops a %s export on abort: the COPY is cancelled, no file is left, the abort reason is thrown',
    async (format) => {
      const controller = new AbortController();
      const ctx = context(`aborted-${format}`, ORG_A, controller.signal);
      const reason = new Error('cancelled by the operator');
      ctx.progress = ({ rows }) => {
        ctx.reports.push(rows);
        if (rows >= 200_000) controller.abort(reason);
      };
      const before = listFiles(fixture.directory);
      await expect(runExport({ format, source: { kind: 'view', view: 'va_item' } }, ctx, fixture)).rejects.toBe(reason);
      expect(ctx.reports.length).toBeGreaterThanOrEqual(1);
      expect(ctx.reports).toEqual([...ctx.reports].sort((a, b) => a - b));
      expect(ctx.reports.at(-1)).toBeLessThan(BIG_ROWS);
      expect(listFiles(fixture.directory)).toEqual(before);
      expect(await fixture.store.stat(`${ORG_A}/aborted-${format}.${format}`)).toBeNull();
      // The server-side query is gone too: nothing of ours still runs a COPY.
      const { rows } = await fixture.pool.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (%' AND state = 'active'",
      );
      expect(rows[0].n).toBe(0);
    },
  );
});

function listFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function readText(fixture: ExportFixture, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await fixture.store.open(key)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
