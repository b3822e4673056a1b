import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Caller } from '@fraiseql/identity';
import {
  compileSchema,
  connectionQuery,
  defineSchema,
  entity,
  field,
  listQuery,
  lookupQuery,
  mutation,
  objectType,
  subscription,
} from '@fraiseql/schema';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { Client } from 'pg';
import { QueryPlanner, assembleResponse, compileChangeProjector, compileWhereMatcher, type PlanStep } from '../src';

// Authorization in the compiled plan (docs/adr/0136-authorization-in-the-plan.md): read rules on types and fields,
// enforced by the planner before any SQL runs; masked fields are NULL in the SQL itself.

const ORG = 'aaaaaaaa-0000-4000-8000-000000000000';
const O1 = '10000000-0000-4000-8000-000000000001';
const O2 = '10000000-0000-4000-8000-000000000002';

const Customer = entity(
  'Customer',
  { view: 'v_customer', requiresRole: ['sales', 'support'] },
  {
    id: field.id(),
    name: field.string(),
    email: field.string({ nullable: true, requiresRole: ['support'], onDenied: 'mask' }),
    phone: field.string({ nullable: true, requiresScope: ['customers:pii'] }),
  },
);
const Address = objectType('Address', {
  city: field.string(),
  street: field.string({ nullable: true, requiresRole: ['support'], onDenied: 'mask' }),
});
const Order = entity(
  'Order',
  { view: 'v_order' },
  {
    id: field.id(),
    status: field.string(),
    total: field.decimal({ nullable: true, column: 'total', requiresRole: ['finance'], onDenied: 'mask' }),
    margin: field.decimal({ nullable: true, requiresRole: ['finance'] }),
    customer: field.object(Customer, { nullable: true, onDenied: 'mask' }),
    shipTo: field.object(Address, { nullable: true }),
  },
);
const compiled = compileSchema(
  defineSchema({
    types: [Order, Customer],
    queries: [
      listQuery('orders', Order),
      connectionQuery('ordersConnection', Order),
      lookupQuery('order', Order),
      listQuery('customers', Customer),
    ],
    mutations: [
      mutation('closeOrder', { input: { id: field.id() }, entity: Order, requiresRole: ['clerk'] }),
      mutation('touchOrder', { input: { id: field.id() }, entity: Order, function: 'fn_close_order' }),
    ],
    subscriptions: [subscription('orderChanged', Order), subscription('customerChanged', Customer)],
  }),
);

const DATABASE = `
CREATE TABLE tb_order (id uuid PRIMARY KEY, org_id uuid NOT NULL, status text NOT NULL, total numeric(12,2),
                       margin numeric(12,2), customer jsonb, ship_to jsonb);
CREATE VIEW v_order AS
  SELECT id, org_id, total,
         jsonb_build_object('id', id, 'status', status, 'total', total, 'margin', margin, 'customer', customer, 'shipTo', ship_to) AS data
  FROM tb_order;
CREATE VIEW v_customer AS
  SELECT (customer->>'id')::uuid AS id, org_id, customer AS data FROM tb_order WHERE customer IS NOT NULL;
CREATE TABLE close_calls (id uuid);
CREATE FUNCTION fn_close_order(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO close_calls VALUES ((input->>'id')::uuid);
  UPDATE tb_order SET status = 'CLOSED' WHERE id = (input->>'id')::uuid;
  RETURN ROW(true, true, NULL, 'closed', input->>'id', 'Order', (SELECT data FROM v_order WHERE id = (input->>'id')::uuid),
             '{}'::text[], NULL)::fraiseql.mutation_response;
END $$;
INSERT INTO tb_order VALUES
  ('${O1}', '${ORG}', 'PAID', 120.50, 30.25,
   '{"id": "20000000-0000-4000-8000-000000000001", "name": "Ada", "email": "ada@example.com", "phone": "+100"}',
   '{"city": "Paris", "street": "1 rue Secret"}'),
  ('${O2}', '${ORG}', 'NEW', 80.00, 10.00,
   '{"id": "20000000-0000-4000-8000-000000000002", "name": "Bob", "email": "bob@example.com", "phone": "+200"}',
   '{"city": "Lyon", "street": "2 rue Cachée"}');
`;

const who = (...roles: string[]): Caller => ({ subject: 'sam', orgId: ORG, roles });

let db: TestDatabase;
let client: Client;
let planner: QueryPlanner;

beforeAll(async () => {
  db = await createTestDatabase('fraiseql_planner_authz');
  client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query(readFileSync(join(__dirname, '../../../migrations/postgres/0001_fraiseql_core.sql'), 'utf8'));
  await client.query(DATABASE);
  planner = new QueryPlanner(compiled, { cursorSecret: 'secret' });
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

const steps = (query: string, caller: Caller, variables: Record<string, unknown> = {}): PlanStep[] =>
  planner.plan(planner.prepare({ query }), variables, caller).steps;

async function run(query: string, caller: Caller, variables: Record<string, unknown> = {}): Promise<any> {
  const plan = planner.plan(planner.prepare({ query }), variables, caller);
  const results: Array<string | null> = [];
  for (const step of plan.steps) {
    if (step.kind !== 'sql') {
      results.push(null);
      continue;
    }
    const res = await client.query<{ result: string }>({ name: step.name, text: step.text, values: step.values });
    results.push(res.rows[0]!.result);
  }
  return JSON.parse(assembleResponse(plan, results));
}

const sqlOf = (step: PlanStep | undefined): string => (step?.kind === 'sql' ? step.text : '');

describe('masked fields', () => {
  const ORDERS = '{ orders(orderBy: [{ field: id }]) { id total shipTo { city street } } }';

  it('selects NULL in place of a masked field: the SQL never reads it and the caller gets null', async () => {
    const [step] = steps(ORDERS, who());
    // The response keys stay; the values are never read (neither the typed column nor the JSON path).
    expect(sqlOf(step)).toContain("'total', NULL");
    expect(sqlOf(step)).not.toMatch(/->'total'|->'street'|t\."total"/);
    expect(sqlOf(steps(ORDERS, who('finance', 'support'))[0])).toMatch(/->'street'/);
    const body = await run(ORDERS, who());
    expect(body.errors).toBeUndefined();
    expect(body.data.orders).toEqual([
      { id: O1, total: null, shipTo: { city: 'Paris', street: null } },
      { id: O2, total: null, shipTo: { city: 'Lyon', street: null } },
    ]);
  });

  it('reads the value for a caller holding the role, with a different SQL text than for one who does not', async () => {
    const body = await run(ORDERS, who('finance', 'support'));
    expect(body.data.orders).toEqual([
      { id: O1, total: 120.5, shipTo: { city: 'Paris', street: '1 rue Secret' } },
      { id: O2, total: 80, shipTo: { city: 'Lyon', street: '2 rue Cachée' } },
    ]);
    // The plan cache keys by the rule-relevant roles: the masked text is not handed to a caller who may read.
    expect(sqlOf(steps(ORDERS, who('finance', 'support'))[0])).not.toBe(sqlOf(steps(ORDERS, who())[0]));
    expect(sqlOf(steps(ORDERS, who('finance', 'support', 'unrelated'))[0])).toBe(sqlOf(steps(ORDERS, who('support', 'finance'))[0]));
  });

  it("masks a relation whose type the caller may not read (the field's onDenied), and the masked relation's own masked field", async () => {
    const Q = '{ order(id: "' + O1 + '") { customer { name email } } }';
    expect((await run(Q, who())).data.order).toEqual({ customer: null });
    expect((await run(Q, who('sales'))).data.order).toEqual({ customer: { name: 'Ada', email: null } });
    expect((await run(Q, who('support'))).data.order).toEqual({ customer: { name: 'Ada', email: 'ada@example.com' } });
  });

  it('masks in connections too', async () => {
    const body = await run('{ ordersConnection(first: 1) { edges { node { id total } } } }', who());
    expect(body.data.ordersConnection.edges).toEqual([{ node: { id: expect.any(String), total: null } }]);
  });
});

describe('refused fields', () => {
  it('refuses a field with FRAISEQL_FORBIDDEN naming its path, before any SQL, and plans the other root fields', () => {
    const [refused, other] = steps('{ orders { id margin } o: order(id: "' + O1 + '") { id } }', who('sales'));
    expect(refused).toMatchObject({ kind: 'error', responseKey: 'orders', error: { code: 'FRAISEQL_FORBIDDEN' } });
    const error = (refused as Extract<PlanStep, { kind: 'error' }>).error;
    expect(error.message).toBe('Reading orders.margin (Order.margin) needs the role finance.');
    expect(error.details).toEqual({ path: ['orders', 'margin'], field: 'Order.margin', roles: ['finance'] });
    expect(other).toMatchObject({ kind: 'sql', responseKey: 'o' });
  });

  it('names nested and aliased paths, and scopes as scope: roles', () => {
    const [step] = steps('{ list: orders { customer { tel: phone } } }', who('sales'));
    expect((step as Extract<PlanStep, { kind: 'error' }>).error.message).toBe(
      'Reading list.customer.tel (Customer.phone) needs the role scope:customers:pii.',
    );
    expect(steps('{ orders { customer { phone } } }', who('sales', 'scope:customers:pii'))[0]).toMatchObject({ kind: 'sql' });
  });

  it('refuses a root query over a type the caller may not read', () => {
    const [step] = steps('{ customers { id } }', who('finance'));
    expect(step).toMatchObject({ kind: 'error', error: { code: 'FRAISEQL_FORBIDDEN' } });
    expect((step as Extract<PlanStep, { kind: 'error' }>).error.message).toBe(
      'Reading customers: Customer needs the role sales or support.',
    );
    expect(steps('{ customers { id } }', who('sales'))[0]).toMatchObject({ kind: 'sql' });
  });

  it('refuses a connection node field, naming the edge path', () => {
    const [step] = steps('{ ordersConnection { edges { node { margin } } } }', who());
    expect((step as Extract<PlanStep, { kind: 'error' }>).error.details).toMatchObject({
      path: ['ordersConnection', 'edges', 'node', 'margin'],
    });
  });
});

describe('filters and ordering on denied fields', () => {
  it('refuses a filter on a field the caller may not read, masked fields included, at any depth', () => {
    for (const where of [
      '{ margin: { gt: 10 } }',
      '{ total: { gt: 100 } }',
      '{ or: [{ status: { eq: "PAID" } }, { shipTo: { street: { like: "1%" } } }] }',
      '{ customer: { email: { eq: "ada@example.com" } } }',
    ]) {
      const [step] = steps(`{ orders(where: ${where}) { id } }`, who('sales'));
      expect(step).toMatchObject({ kind: 'error', error: { code: 'FRAISEQL_FORBIDDEN' } });
      expect((step as Extract<PlanStep, { kind: 'error' }>).error.message).toMatch(/^Filtering by where\./);
    }
    expect(steps('{ orders(where: { total: { gt: 100 } }) { id } }', who('finance'))[0]).toMatchObject({ kind: 'sql' });
  });

  it('refuses ordering by a denied field (which a cursor would carry), in lists and connections', () => {
    for (const query of [
      '{ orders(orderBy: [{ field: total }]) { id } }',
      '{ ordersConnection(orderBy: [{ field: customer__email }]) { edges { cursor } } }',
    ]) {
      const [step] = steps(query, who('sales'));
      expect(step).toMatchObject({ kind: 'error', error: { code: 'FRAISEQL_FORBIDDEN' } });
      expect((step as Extract<PlanStep, { kind: 'error' }>).error.message).toMatch(/^Ordering by orderBy\./);
    }
    expect(steps('{ orders(orderBy: [{ field: customer__email }]) { id } }', who('support'))[0]).toMatchObject({ kind: 'sql' });
  });
});

describe('mutations', () => {
  const CLOSE = (id: string, selection = 'order { id status }') =>
    `mutation { closeOrder(input: { id: "${id}" }) { ... on CloseOrderSuccess { ${selection} } } }`;
  const calls = async (): Promise<number> => Number((await client.query('SELECT count(*) AS n FROM close_calls')).rows[0].n);

  it('refuses a caller without the mutation role before the function runs', async () => {
    const before = await calls();
    const body = await run(CLOSE(O2), who('sales'));
    expect(body.errors[0]).toMatchObject({ path: ['closeOrder'], extensions: { code: 'FRAISEQL_FORBIDDEN' } });
    expect(body.data).toEqual({ closeOrder: null });
    expect(await calls()).toBe(before);
  });

  it('refuses a mutation whose result selection names a refused field, before the function runs', async () => {
    const before = await calls();
    const body = await run(CLOSE(O2, 'order { id margin }'), who('clerk'));
    expect(body.errors[0]).toMatchObject({ extensions: { code: 'FRAISEQL_FORBIDDEN' } });
    expect(body.errors[0].message).toBe('Reading closeOrder.order.margin (Order.margin) needs the role finance.');
    expect(await calls()).toBe(before);
    expect((await client.query('SELECT status FROM tb_order WHERE id = $1', [O2])).rows[0].status).toBe('NEW');
  });

  it('runs for a caller with the role and masks the returned entity as a query would', async () => {
    const before = await calls();
    const body = await run(CLOSE(O2, 'order { id status total }'), who('clerk'));
    expect(body.data.closeOrder).toEqual({ order: { id: O2, status: 'CLOSED', total: null } });
    expect(await calls()).toBe(before + 1);
  });

  it('needs no role to run a mutation without a rule, but the result still obeys the type rules', async () => {
    const body = await run(
      `mutation { touchOrder(input: { id: "${O1}" }) { ... on TouchOrderSuccess { order { customer { email } } } } }`,
      who('sales'),
    );
    expect(body.data.touchOrder).toEqual({ order: { customer: { email: null } } });
  });
});

describe('Arrow plans', () => {
  it('selects a typed NULL for masked fields and refuses denied ones', () => {
    const plan = planner.planArrow(planner.prepare({ query: '{ orders { id total shipTo { street } } }' }), {}, who());
    expect(plan.sql).toMatch(/NULL::numeric AS c1/);
    expect(plan.sql).not.toMatch(/'street'|"total"/);
    const refused = planner.prepare({ query: '{ orders { margin } }' });
    expect(() => planner.planArrow(refused, {}, who())).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_FORBIDDEN', message: 'Reading orders.margin (Order.margin) needs the role finance.' }),
    );
  });
});

describe('subscriptions', () => {
  const event = {
    event_id: 'e1',
    event_type: 'UPDATE',
    timestamp: '2026-01-01T00:00:00.000000Z',
    changed_fields: ['total'],
    data: { id: O1, status: 'PAID', total: 120.5, margin: 30.25, customer: { name: 'Ada', email: 'ada@example.com' } },
    before: null,
  };
  const selection = (text: string, callerRoles: string[]) => {
    const op = planner.prepare({ query: text });
    const root = op.operation.selectionSet.selections[0] as never;
    return { fieldNodes: [root], fragments: {}, variables: {}, callerRoles };
  };
  const orderChanged = compiled.subscriptions.find((s) => s.name === 'orderChanged')!;
  const customerChanged = compiled.subscriptions.find((s) => s.name === 'customerChanged')!;

  it('delivers masked fields as null and refuses denied fields, the type rule and filters on them at subscribe', () => {
    const project = compileChangeProjector(
      compiled,
      orderChanged,
      selection('subscription { orderChanged { order { id total customer { name email } } } }', ['sales']),
    );
    expect(project(event)).toEqual({ order: { id: O1, total: null, customer: { name: 'Ada', email: null } } });
    expect(() =>
      compileChangeProjector(compiled, orderChanged, selection('subscription { orderChanged { order { margin } } }', ['sales'])),
    ).toThrow(expect.objectContaining({ code: 'FRAISEQL_FORBIDDEN' }));
    expect(() =>
      compileChangeProjector(compiled, customerChanged, selection('subscription { customerChanged { customer { id } } }', ['finance'])),
    ).toThrow(
      expect.objectContaining({
        code: 'FRAISEQL_FORBIDDEN',
        message: 'Subscribing to customerChanged: Customer needs the role sales or support.',
      }),
    );
    expect(() => compileWhereMatcher(compiled, 'Order', { total: { gt: 1 } }, ['sales'])).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_FORBIDDEN' }),
    );
    expect(compileWhereMatcher(compiled, 'Order', { total: { gt: 100 } }, ['finance'])(event.data)).toBe(true);
  });
});
