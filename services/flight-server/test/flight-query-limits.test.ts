import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlightClient } from '@fraiseql/flight';
import { RoleQueryLimits } from '@fraiseql/graphql-runtime';
import type { CompiledSchema } from '@fraiseql/schema';
import { DEMO_ORG_IDS, migrateShop } from '@fraiseql/shop';
import { startFlightStack, type FlightStack } from './fixtures/flight-stack';

// Graphql tickets are held to the same per-role depth/nodes/cost limits as the gateway (FRAISEQL_GRAPHQL_ROLE_LIMITS,
// docs/adr/0134-trusted-documents-and-limits.md): Flight is no way around them.

const SHOP_SCHEMA = join(__dirname, '../../../examples/shop/schema.compiled.json');
const [ORG] = DEMO_ORG_IDS as readonly [string, ...string[]];
const cmd = (value: unknown) => ({ type: 2, cmd: Buffer.from(JSON.stringify(value)) });
const ORDERS = { kind: 'graphql', query: '{ orders(limit: 50) { id status customer { id email } } }' };

describe('per-role query limits on graphql tickets (real flight-server, gRPC)', () => {
  let stack: FlightStack;

  beforeAll(async () => {
    stack = await startFlightStack({
      compiled: JSON.parse(readFileSync(SHOP_SCHEMA, 'utf8')) as CompiledSchema,
      prepare: async (admin) => {
        await migrateShop({ connectionString: (admin as unknown as { options: { connectionString: string } }).options.connectionString });
      },
      queryLimits: new RoleQueryLimits({
        defaults: { depth: 15, nodes: 20, cost: 50 },
        roles: { analyst: { nodes: 10_000, cost: 100_000 } },
      }),
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const clientWith = (roles: string[]): Promise<FlightClient> => stack.client(`caller-${roles.join('-') || 'none'}`, ORG, roles);

  it('refuses a ticket over the caller’s limit, and plans the same ticket for a role allowed more', async () => {
    const reader = await clientWith(['reader']);
    await expect(reader.getFlightInfo(cmd(ORDERS))).rejects.toMatchObject({
      code: expect.stringMatching(/^FRAISEQL_(COST|NODE)_LIMIT_EXCEEDED$/),
    });
    const analyst = await clientWith(['analyst']);
    const info = await analyst.getFlightInfo(cmd(ORDERS));
    expect(info.endpoint?.length).toBeGreaterThan(0);
  });
});
