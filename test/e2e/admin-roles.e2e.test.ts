import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '@fraiseql/gateway';
import type { QueryExecutor } from '@fraiseql/query-executor';
import type { CompiledSchema } from '@fraiseql/schema';
import { DEMO_ORG_IDS, migrateShop } from '@fraiseql/shop';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { graphql, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';

// Every admin operation of the schema refused without its role (docs/security.md, "Roles and what each can do"), read
// from the compiled schema itself: a new role-gated field joins this test without being listed here.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const COMPILED = JSON.parse(readFileSync(SHOP_SCHEMA, 'utf8')) as CompiledSchema;
const [ORG] = DEMO_ORG_IDS;

/** A valid value for each required argument type of the role-gated fields. */
const ARGUMENT_VALUES: Record<string, string> = {
  'Int!': '1',
  'ID!': '"x"',
  'String!': '"x"',
  '[ID!]!': '["x"]',
  'ReplayDeadLettersInput!': '{ seqs: [1] }',
  'PurgeDeadLettersInput!': '{ seqs: [1] }',
  'EnqueueExportInput!': '{ format: CSV, source: { kind: "view", view: "va_order" } }',
  'CreateApiKeyInput!': '{ name: "x", roles: [] }',
};

interface Gated {
  name: string;
  operation: 'query' | 'mutation';
  roles: string[];
  document: string;
}

function gatedOperations(): Gated[] {
  const out: Gated[] = [];
  const document = (operation: string, name: string, args: Array<{ name: string; type: string }>): string => {
    const given = args
      .filter((a) => a.type.endsWith('!'))
      .map((a) => {
        const value = ARGUMENT_VALUES[a.type];
        if (value === undefined) throw new Error(`admin-roles test: add a value for argument type ${a.type} (${name}.${a.name})`);
        return `${a.name}: ${value}`;
      });
    return `${operation} { ${name}${given.length > 0 ? `(${given.join(', ')})` : ''} { __typename } }`;
  };
  for (const field of COMPILED.nativeFields ?? []) {
    if (!field.roles || field.operation === 'subscription') continue;
    out.push({
      name: field.name,
      operation: field.operation,
      roles: field.roles,
      document: document(field.operation, field.name, field.arguments),
    });
  }
  for (const query of COMPILED.queries) {
    if (!query.roles) continue;
    out.push({ name: query.name, operation: 'query', roles: query.roles, document: `{ ${query.name} { __typename } }` });
  }
  return out;
}

describe('every role-gated admin operation of the schema, refused without its role (gateway, executor, PostgreSQL)', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('wt_admin_roles')]);
    await migrateShop({ connectionString: db.url });
    executor = await startExecutor({ nats, db }, { schemaSource: SHOP_SCHEMA, jetStream: {} });
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA })).gateway;
  }, 120_000);
  afterAll(async () => {
    await gateway?.close();
    await executor?.close();
    await nats?.dispose();
    await db?.drop();
  });

  const gated = gatedOperations();

  it('finds the admin surfaces in the schema', () => {
    expect(gated.map((g) => g.name)).toEqual(
      expect.arrayContaining([
        'observers',
        'deadLetters',
        'replayDeadLetters',
        'deadJobs',
        'cancelJob',
        'searchEvents',
        'apiKeys',
        'createApiKey',
        'auditLog',
      ]),
    );
  });

  it.each(gated.map((g) => [g.name, g] as const))(
    '%s: FRAISEQL_FORBIDDEN for a member without its role, anything else with it',
    async (_name, op) => {
      const member = await jwtFor({ sub: 'member', org_id: ORG, roles: ['reader'] });
      const refused = await graphql(gateway, { query: op.document }, { token: member });
      expect(refused.body.errors?.map((e) => [e.path?.[0], e.extensions.code])).toEqual([[op.name, 'FRAISEQL_FORBIDDEN']]);
      const holder = await jwtFor({ sub: 'holder', org_id: ORG, roles: [op.roles[op.roles.length - 1]!] });
      const allowed = await graphql(gateway, { query: op.document }, { token: holder });
      expect((allowed.body.errors ?? []).map((e) => e.extensions.code)).not.toContain('FRAISEQL_FORBIDDEN');
    },
  );

  it('observer-rule mutations: MutationError FORBIDDEN without admin or observers:admin', async () => {
    const member = await jwtFor({ sub: 'member', org_id: ORG, roles: ['reader'] });
    const result = await graphql(
      gateway,
      {
        query: `mutation { createObserver(input: { name: "x", rule: { entityType: "Order", eventTypes: ["INSERT"], actions: [{ type: "webhook", url: "https://hooks.example.test/x" }] } }) { __typename ... on MutationError { errorClass } } }`,
      },
      { token: member },
    );
    expect(result.body.data.createObserver).toEqual({ __typename: 'MutationError', errorClass: 'FORBIDDEN' });
  });
});
