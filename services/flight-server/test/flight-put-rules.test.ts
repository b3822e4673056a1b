import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateDay, Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { FlightClient } from '@fraiseql/flight';
import type { CompiledSchema } from '@fraiseql/schema';
import { DEMO_ORG_IDS, migrateShop } from '@fraiseql/shop';
import { startFlightStack, type FlightStack } from './fixtures/flight-stack';

// DoPut follows the read rules (docs/adr/0136-authorization-in-the-plan.md): a caller may write neither a dataset whose
// rule it lacks (ta_sales_target: finance or analyst) nor a column it may not read (customer_email: analyst or support).

const SHOP_SCHEMA = join(__dirname, '../../../examples/shop/schema.compiled.json');
const [ORG] = DEMO_ORG_IDS as readonly [string, ...string[]];
const path = (...parts: string[]) => ({ type: 1, path: parts });

describe('DoPut under the read rules (shop datasets, real PostgreSQL, gRPC)', () => {
  let stack: FlightStack;

  beforeAll(async () => {
    stack = await startFlightStack({
      compiled: JSON.parse(readFileSync(SHOP_SCHEMA, 'utf8')) as CompiledSchema,
      prepare: async (admin) => {
        await migrateShop({ connectionString: (admin as unknown as { options: { connectionString: string } }).options.connectionString });
      },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const clientWith = (roles: string[]): Promise<FlightClient> => stack.client(`caller-${roles.join('-') || 'none'}`, ORG, roles);

  const targets = () =>
    new Table({
      month: vectorFromArray([Date.UTC(2026, 0, 1)], new DateDay()),
      region: vectorFromArray(['north'], new Utf8()),
      target: vectorFromArray(['10.00'], new Utf8()),
    });
  const rowCount = async (table: string) => (await stack.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

  it("refuses a dataset whose rule the caller lacks and writes nothing; the dataset's role writes", async () => {
    const reader = await clientWith(['reader']);
    await expect(reader.doPut(path('ta_sales_target'), targets())).rejects.toMatchObject({ code: 'FRAISEQL_FORBIDDEN' });
    expect(await rowCount('ta_sales_target')).toBe(0);
    const finance = await clientWith(['finance']);
    const results = await finance.doPut(path('ta_sales_target'), targets());
    expect(JSON.parse(Buffer.from(results.at(-1)!.appMetadata!).toString('utf8'))).toMatchObject({ committed: true, rows: 1 });
    expect(await rowCount('ta_sales_target')).toBe(1);
  });

  it('refuses an upload that writes a column the caller may not read', async () => {
    const finance = await clientWith(['finance']);
    const upload = new Table({
      id: vectorFromArray(['0b0b0b0b-0000-4000-8000-000000000001'], new Utf8()),
      customer_email: vectorFromArray(['someone@example.test'], new Utf8()),
    });
    await expect(finance.doPut(path('ta_order_fact'), upload)).rejects.toMatchObject({
      code: 'FRAISEQL_FORBIDDEN',
      message: expect.stringContaining('"customer_email"'),
    });
    expect(await rowCount('ta_order_fact')).toBe(0);
  });
});
