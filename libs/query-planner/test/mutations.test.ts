import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compileSchema,
  defineSchema,
  entity,
  enumType,
  field,
  inputType,
  lookupQuery,
  mutation,
  objectType,
  type CompiledSchema,
} from '@fraiseql/schema';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { Client } from 'pg';
import type { Caller } from '@fraiseql/identity';
import { QueryPlanner, assembleResponse } from '../src';
import { thrownCode } from './fixtures/planner-harness';

// Mutations (docs/adr/0082-mutations.md): one statement per mutation root field calls the function
// and PostgreSQL builds the typed result union, projected to the caller's selection.

const ORG_A = 'aaaaaaaa-0000-4000-8000-000000000000';
const ORG_B = 'bbbbbbbb-0000-4000-8000-000000000000';
const AUTH_A: Caller = { subject: 'alice', orgId: ORG_A, roles: ['admin'] };
const P1 = '11111111-0000-4000-8000-000000000001';
const P2 = '11111111-0000-4000-8000-000000000002';

const Kind = enumType('ProductKind', ['PHYSICAL', 'DIGITAL']);
const Category = objectType('Category', { name: field.string() });
const Product = entity(
  'Product',
  { view: 'v_product' },
  {
    id: field.id(),
    sku: field.string(),
    price: field.decimal(),
    kind: field.enum(Kind),
    tags: field.list(field.string()),
    category: field.object(Category, { nullable: true }),
  },
);
const Dimensions = inputType('DimensionsInput', { width: field.int(), height: field.int({ nullable: true }) });
const UpdatePriceInput = inputType('UpdatePriceInput', {
  id: field.id(),
  price: field.decimal(),
  kind: field.enum(Kind, { nullable: true }),
  tags: field.list(field.string(), { nullable: true }),
  dimensions: field.object(Dimensions, { nullable: true }),
});

function compiled(): CompiledSchema {
  return compileSchema(
    defineSchema({
      types: [Product],
      queries: [lookupQuery('product', Product)],
      mutations: [
        mutation('updatePrice', { input: UpdatePriceInput, entity: Product }),
        mutation('fail', {
          input: { errorClass: field.string({ nullable: true }), fieldCount: field.int() },
          entity: Product,
          function: 'fn_always_fail',
        }),
        mutation('touch', { input: { id: field.id() }, entity: Product, function: 'fn_touch_without_message' }),
      ],
    }),
  );
}

const DATABASE = `
CREATE TABLE tb_product (id uuid PRIMARY KEY, org_id uuid NOT NULL, sku text NOT NULL, price numeric(12,2) NOT NULL,
  kind text NOT NULL, tags text[] NOT NULL, category text, last_input jsonb, last_ctx jsonb);
CREATE VIEW v_product AS SELECT id, org_id, jsonb_build_object('id', id, 'sku', sku, 'price', price, 'kind', kind, 'tags', to_jsonb(tags),
  'category', CASE WHEN category IS NULL THEN NULL ELSE jsonb_build_object('name', category) END) AS data FROM tb_product;
INSERT INTO tb_product VALUES ('${P1}', '${ORG_A}', 'SKU-1', 10.00, 'PHYSICAL', '{a}', 'Books', NULL, NULL),
                              ('${P2}', '${ORG_B}', 'SKU-2', 20.00, 'DIGITAL', '{}', NULL, NULL, NULL);

CREATE FUNCTION fn_update_price(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response LANGUAGE plpgsql AS $$
DECLARE
  r fraiseql.mutation_response;
  target uuid := (input->>'id')::uuid;
BEGIN
  IF (input->>'price')::numeric < 0 THEN
    r.succeeded := false; r.error_class := 'validation'; r.message := 'Invalid price';
    r.metadata := jsonb_build_object('field_errors', jsonb_build_array(jsonb_build_object('field', 'price', 'message', 'must not be negative')));
    RETURN r;
  END IF;
  UPDATE tb_product SET price = (input->>'price')::numeric, kind = coalesce(input->>'kind', kind), last_input = input, last_ctx = ctx
   WHERE id = target AND org_id = (ctx->>'org_id')::uuid;
  IF NOT FOUND THEN
    r.succeeded := false; r.error_class := 'not_found'; r.message := 'No such product';
    RETURN r;
  END IF;
  r.succeeded := true; r.state_changed := true; r.message := 'Price updated'; r.entity_id := target::text; r.entity_type := 'Product';
  r.entity := (SELECT data FROM v_product WHERE id = target);
  r.updated_fields := ARRAY['price'];
  RETURN r;
END $$;

CREATE FUNCTION fn_always_fail(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response LANGUAGE sql AS $$
  SELECT ROW(false, false, input->>'errorClass', NULL,
             NULL, NULL, NULL, NULL,
             jsonb_build_object('field_errors', (SELECT coalesce(jsonb_agg(jsonb_build_object('field', 'f' || i, 'message', 'bad ' || i) ORDER BY i), '[]')
                                                 FROM generate_series(1, (input->>'fieldCount')::int) i)))::fraiseql.mutation_response
$$;

-- Succeeds without a message (as fraiseql.mutation_ok does when none is given).
CREATE FUNCTION fn_touch_without_message(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response LANGUAGE sql AS $$
  SELECT ROW(true, false, NULL, NULL, input->>'id', 'Product', (SELECT data FROM v_product WHERE id = (input->>'id')::uuid),
             '{}'::text[], NULL)::fraiseql.mutation_response
$$;
`;

let db: TestDatabase;
let client: Client;
let planner: QueryPlanner;

beforeAll(async () => {
  db = await createTestDatabase('fraiseql_planner_mutations');
  client = new Client({ connectionString: db.url });
  await client.connect();
  // The framework's own definition of fraiseql.mutation_response (the function contract).
  await client.query(readFileSync(join(__dirname, '../../../migrations/postgres/0001_fraiseql_core.sql'), 'utf8'));
  await client.query(DATABASE);
  planner = new QueryPlanner(compiled(), { cursorSecret: 'secret' });
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

async function run(query: string, variables?: Record<string, unknown>, auth: Caller = AUTH_A): Promise<any> {
  const plan = planner.plan(planner.prepare({ query }), variables, auth);
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

const price = async (id: string): Promise<string> =>
  (await client.query('SELECT price::text AS p FROM tb_product WHERE id = $1', [id])).rows[0].p;

describe('mutation planning', () => {
  it('runs the function and projects the success member to the selection, aliases and nested objects included', async () => {
    const body = await run(`mutation {
      __typename
      done: updatePrice(input: { id: "${P1}", price: "12.50", kind: DIGITAL }) {
        __typename
        ... on UpdatePriceSuccess { message item: product { id price kind category { name } } }
        ... on MutationError { errorClass reason: message }
      }
    }`);
    expect(body).toEqual({
      data: {
        __typename: 'Mutation',
        done: {
          __typename: 'UpdatePriceSuccess',
          message: 'Price updated',
          item: { id: P1, price: 12.5, kind: 'DIGITAL', category: { name: 'Books' } },
        },
      },
    });
    expect(await price(P1)).toBe('12.50');
  });

  it('selects message in both branches of the union without an alias (both String!), and gives "" for a success without one', async () => {
    const update = (price: string) => `mutation { updatePrice(input: { id: "${P1}", price: ${price} }) {
      __typename ... on UpdatePriceSuccess { message } ... on MutationError { message }
    } }`;
    expect(await run(update('"12.50"'))).toEqual({ data: { updatePrice: { __typename: 'UpdatePriceSuccess', message: 'Price updated' } } });
    expect(await run(update('-1'))).toEqual({ data: { updatePrice: { __typename: 'MutationError', message: 'Invalid price' } } });
    const touch = `mutation { touch(input: { id: "${P1}" }) { __typename ... on TouchSuccess { message } ... on MutationError { message } } }`;
    expect(await run(touch)).toEqual({ data: { touch: { __typename: 'TouchSuccess', message: '' } } });
  });

  it('passes the coerced input and the caller context to the function as jsonb', async () => {
    await run(`mutation($in: UpdatePriceInput!) { updatePrice(input: $in) { __typename } }`, {
      in: { id: P1, price: 13, tags: ['x'], dimensions: { width: 3 } },
    });
    const { rows } = await client.query('SELECT last_input, last_ctx FROM tb_product WHERE id = $1', [P1]);
    // Decimal arrives as text (no digit lost); fields left out stay absent, so a function can tell "not given" from null.
    expect(rows[0].last_input).toEqual({ id: P1, price: '13', tags: ['x'], dimensions: { width: 3 } });
    expect(rows[0].last_ctx).toEqual({ org_id: ORG_A, user_id: 'alice', roles: ['admin'] });
  });

  it('projects the error member with its field errors, through named fragments on the union and on MutationError', async () => {
    const body = await run(`
      fragment Failure on MutationError { errorClass message fieldErrors { field message } }
      fragment Result on UpdatePriceResult { __typename ...Failure ... on UpdatePriceSuccess { product { id } } }
      mutation { updatePrice(input: { id: "${P1}", price: -1 }) { ...Result } }`);
    expect(body).toEqual({
      data: {
        updatePrice: {
          __typename: 'MutationError',
          errorClass: 'VALIDATION',
          message: 'Invalid price',
          fieldErrors: [{ field: 'price', message: 'must not be negative' }],
        },
      },
    });
  });

  it("cannot reach another organization's rows: the function sees the caller's org only", async () => {
    const body = await run(`mutation { updatePrice(input: { id: "${P2}", price: 1 }) { ... on MutationError { errorClass } } }`);
    expect(body.data.updatePrice).toEqual({ errorClass: 'NOT_FOUND' });
    expect(await price(P2)).toBe('20.00');
  });

  it.each([
    ['validation', 'VALIDATION'],
    ['conflict', 'CONFLICT'],
    ['not_found', 'NOT_FOUND'],
    ['unauthorized', 'UNAUTHORIZED'],
    ['forbidden', 'FORBIDDEN'],
    ['rate_limited', 'RATE_LIMITED'],
    ['timeout', 'TIMEOUT'],
    ['internal', 'INTERNAL'],
    [null, 'INTERNAL'],
  ])('maps error_class %s to MutationErrorClass %s, with a default message and no field errors', async (errorClass, expected) => {
    const body = await run(
      'mutation($c: String) { fail(input: { errorClass: $c, fieldCount: 0 }) { ... on MutationError { errorClass message fieldErrors { field } } } }',
      { c: errorClass },
    );
    expect(body.data.fail).toEqual({ errorClass: expected, message: 'The mutation failed', fieldErrors: [] });
  });

  it('keeps the order of the field errors', async () => {
    const body = await run(
      'mutation { fail(input: { errorClass: "validation", fieldCount: 3 }) { ... on MutationError { fieldErrors { message field } } } }',
    );
    expect(body.data.fail.fieldErrors).toEqual([
      { message: 'bad 1', field: 'f1' },
      { message: 'bad 2', field: 'f2' },
      { message: 'bad 3', field: 'f3' },
    ]);
  });

  it('plans one statement per mutation root field, marks the plan as a mutation and caches the SQL text per selection', () => {
    const query = `mutation($a: UpdatePriceInput!, $b: UpdatePriceInput!) { a: updatePrice(input: $a) { __typename } b: updatePrice(input: $b) { __typename } }`;
    const op = planner.prepare({ query });
    const first = planner.plan(op, { a: { id: P1, price: 1 }, b: { id: P1, price: 2 } }, AUTH_A);
    const second = planner.plan(op, { a: { id: P1, price: 3 }, b: { id: P1, price: 4 } }, AUTH_A);
    expect(first.operationType).toBe('mutation');
    expect(first.steps.map((s) => s.kind)).toEqual(['sql', 'sql']);
    const [a1, b1] = first.steps as Array<{ name: string; text: string; values: unknown[] }>;
    expect(a1!.text).toMatch(/FROM "fn_update_price"\(\$1::jsonb, \$2::jsonb\) r$/);
    expect(a1!.name).toMatch(/^fm_[0-9a-f]{20}$/);
    expect(a1!.values[0]).toBe(JSON.stringify({ id: P1, price: '1' }));
    expect(b1!.values[0]).toBe(JSON.stringify({ id: P1, price: '2' }));
    expect((second.steps[0] as { name: string }).name).toBe(a1!.name);
  });

  it('gives the function no org when the caller has none or a malformed one', () => {
    const op = planner.prepare({ query: `mutation { updatePrice(input: { id: "${P1}", price: 1 }) { __typename } }` });
    for (const orgId of [null, 'not-a-uuid']) {
      const step = planner.plan(op, {}, { subject: null, orgId, roles: [] }).steps[0] as { values: string[] };
      expect(JSON.parse(step.values[1]!)).toEqual({ org_id: null, user_id: null, roles: [] });
    }
  });

  describe('refuses invalid input before any SQL exists', () => {
    it.each([
      [
        'a value of the wrong type',
        `mutation { updatePrice(input: { id: "${P1}", price: "cheap" }) { __typename } }`,
        'GRAPHQL_VALIDATION_FAILED',
      ],
      ['a missing required field', `mutation { updatePrice(input: { price: 1 }) { __typename } }`, 'GRAPHQL_VALIDATION_FAILED'],
      [
        'an unknown enum value',
        `mutation { updatePrice(input: { id: "${P1}", price: 1, kind: ANALOG }) { __typename } }`,
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [
        'an unknown input field',
        `mutation { updatePrice(input: { id: "${P1}", price: 1, colour: "red" }) { __typename } }`,
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [
        'a null in a non-null nested field',
        `mutation { updatePrice(input: { id: "${P1}", price: 1, dimensions: { width: null } }) { __typename } }`,
        'GRAPHQL_VALIDATION_FAILED',
      ],
    ])('%s in a literal', (_what, query, code) => {
      expect(thrownCode(() => planner.plan(planner.prepare({ query }), {}, AUTH_A))).toBe(code);
    });

    it.each([
      ['a value of the wrong type', { id: P1, price: 'cheap' }],
      ['a missing required field', { price: 1 }],
      ['an unknown enum value', { id: P1, price: 1, kind: 'ANALOG' }],
      ['a list item of the wrong type', { id: P1, price: 1, tags: [1, { a: 2 }] }],
    ])('%s in a variable', (_what, value) => {
      const op = planner.prepare({ query: 'mutation($in: UpdatePriceInput!) { updatePrice(input: $in) { __typename } }' });
      expect(thrownCode(() => planner.plan(op, { in: value }, AUTH_A))).toBe('BAD_USER_INPUT');
    });
  });
});
