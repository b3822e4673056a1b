import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';
import { QueryPlanner, type OperationMeasure } from '@fraiseql/query-planner';
import { compileSchema, defineSchema, entity, field, listQuery, objectType, type CompiledSchema } from '@fraiseql/schema';
import { defineConfig, loadConfig } from '@fraiseql/service-kit';
import {
  enforceQueryLimits,
  graphqlRuntimeConfigShape,
  measurePreparedOperation,
  plannerLimitsFromConfig,
  roleQueryLimitsFromConfig,
} from '../src';

const SHOP = JSON.parse(readFileSync(join(__dirname, '../../../examples/shop/schema.compiled.json'), 'utf8')) as CompiledSchema;
const SECRET = 'a-cursor-secret-of-at-least-32-characters';
const runtime = defineConfig({ service: 'runtime-test', schema: z.object(graphqlRuntimeConfigShape) });

function measure(compiled: CompiledSchema, query: string, variables?: Record<string, unknown>): OperationMeasure {
  const planner = new QueryPlanner(compiled, { cursorSecret: SECRET });
  return measurePreparedOperation(planner, planner.prepare({ query }), variables ?? null);
}

describe('measureOperation: depth, estimated nodes and weighted cost from the compiled schema', () => {
  it('multiplies a root list by its limit and a list nested in data by 10; scalars cost 1 and are no nodes', () => {
    // items: 10 × (quantity 1 + product 2) + 1 = 31; orders: 1 + 5 × (id 1 + total 1 + items 31) = 166.
    expect(measure(SHOP, '{ orders(limit: 5) { id total items { quantity product { name } } } }')).toEqual({
      depth: 4,
      nodes: 5 * (1 + 10 * (1 + 1)),
      cost: 166,
    });
  });

  it("takes the query's defaultLimit when no page size is given, and a variable's value or default otherwise", () => {
    expect(measure(SHOP, '{ orders { id } }')).toEqual({ depth: 2, nodes: 20, cost: 21 });
    const byVariable = 'query($n: Int = 7) { orders(limit: $n) { id } }';
    expect(measure(SHOP, byVariable, { n: 50 })).toEqual({ depth: 2, nodes: 50, cost: 51 });
    expect(measure(SHOP, byVariable)).toEqual({ depth: 2, nodes: 7, cost: 8 });
    // A page size above maxLimit (500) counts as maxLimit; the planner refuses it later anyway.
    expect(measure(SHOP, byVariable, { n: 10_000 }).nodes).toBe(500);
  });

  it('counts a connection once, its edges and their nodes by first/last', () => {
    // edges: 1 + 3 × (node 1 + id 1) = 7; pageInfo: 2; connection: 1 + 9 = 10. Nodes: connection 1 + 3 edges + 3 nodes + pageInfo.
    expect(measure(SHOP, '{ ordersConnection(first: 3) { edges { node { id } } pageInfo { hasNextPage } } }')).toEqual({
      depth: 4,
      nodes: 1 + 3 * 2 + 1,
      cost: 10,
    });
  });

  it('expands fragments where they are spread', () => {
    const query = '{ orders(limit: 2) { ...O } } fragment O on Order { id customer { email } }';
    expect(measure(SHOP, query)).toEqual({ depth: 3, nodes: 2 * (1 + 1), cost: 1 + 2 * (1 + 2) });
  });

  it("equals the planner's own cost estimate when no weight is set (FRAISEQL_LIMIT_MAX_COST keeps its meaning)", () => {
    const query = '{ orders(limit: 5) { id total items { quantity product { name } } } }';
    const atLimit = new QueryPlanner(SHOP, { cursorSecret: SECRET, limits: { maxCost: 166 } });
    expect(atLimit.prepare({ query }).operationType).toBe('query');
    const below = new QueryPlanner(SHOP, { cursorSecret: SECRET, limits: { maxCost: 165 } });
    expect(() => below.prepare({ query })).toThrow(expect.objectContaining({ code: 'FRAISEQL_COST_LIMIT_EXCEEDED' }));
  });

  it('applies the cost weights set on queries and fields in the schema', () => {
    const Line = objectType('Line', { sku: field.string(), price: field.float({ cost: 3 }) });
    const Invoice = entity(
      'Invoice',
      { view: 'v_invoice' },
      { id: field.id(), pdf: field.string({ cost: 20 }), lines: field.list(field.object(Line), { cost: 2 }) },
    );
    const compiled = compileSchema(
      defineSchema({ types: [Line, Invoice], queries: [listQuery('invoices', Invoice, { cost: 50, defaultLimit: 10 })] }),
    );
    expect(compiled.queries.find((q) => q.name === 'invoices')?.cost).toBe(50);
    expect(compiled.types.find((t) => t.name === 'Invoice')?.fields.find((f) => f.name === 'pdf')?.cost).toBe(20);
    // lines: 2 + 10 × (sku 1 + price 3) = 42; invoices: 50 + 4 × (id 1 + pdf 20 + lines 42) = 302.
    expect(measure(compiled, '{ invoices(limit: 4) { id pdf lines { sku price } } }')).toEqual({
      depth: 3,
      nodes: 4 * (1 + 10),
      cost: 302,
    });
    expect(() => compileSchema(defineSchema({ types: [Invoice], queries: [listQuery('invoices', Invoice, { cost: -1 })] }))).toThrow(
      /cost must be a non-negative integer/,
    );
  });
});

describe('per-role limits (FRAISEQL_GRAPHQL_ROLE_LIMITS)', () => {
  const config = loadConfig(runtime, {
    env: {
      FRAISEQL_LIMIT_MAX_DEPTH: '6',
      FRAISEQL_LIMIT_MAX_COST: '1000',
      FRAISEQL_LIMIT_MAX_NODES: '500',
      FRAISEQL_GRAPHQL_ROLE_LIMITS: JSON.stringify({
        analyst: { depth: 12, nodes: 50_000, cost: 100_000 },
        auditor: { depth: 20 },
        anonymous: { depth: 3, nodes: 25, cost: 40 },
      }),
    },
  });
  const limits = roleQueryLimitsFromConfig(config);
  const caller = (roles: string[]) => ({ subject: 'u-1', orgId: null, roles });

  it('gives a caller the most generous entry among its roles, dimension by dimension, and the defaults when none has one', () => {
    expect(limits.for(caller(['analyst']))).toEqual({ depth: 12, nodes: 50_000, cost: 100_000 });
    expect(limits.for(caller(['analyst', 'auditor']))).toEqual({ depth: 20, nodes: 50_000, cost: 100_000 });
    // An entry leaves out a dimension: the default holds there.
    expect(limits.for(caller(['auditor']))).toEqual({ depth: 20, nodes: 500, cost: 1000 });
    expect(limits.for(caller(['staff']))).toEqual({ depth: 6, nodes: 500, cost: 1000 });
    expect(limits.for(caller([]))).toEqual({ depth: 6, nodes: 500, cost: 1000 });
  });

  it('holds callers without credentials to the anonymous entry, which a role cannot claim', () => {
    expect(limits.for({ subject: null, orgId: null, roles: [] })).toEqual({ depth: 3, nodes: 25, cost: 40 });
    expect(limits.for(caller(['anonymous']))).toEqual({ depth: 6, nodes: 500, cost: 1000 });
  });

  it('lets the planner through up to the most generous limit of any caller', () => {
    expect(plannerLimitsFromConfig(config)).toEqual({ maxDepth: 20, maxCost: 100_000, maxAliases: 30, maxDocumentBytes: 65_536 });
  });

  it('refuses a document over a limit with the computed value and the limit in the message and extensions', () => {
    const over = (m: OperationMeasure) => {
      try {
        enforceQueryLimits(m, { depth: 3, nodes: 25, cost: 40 });
      } catch (error) {
        return error as { code: string; errors: Array<{ message: string; extensions: Record<string, unknown> }> };
      }
      return undefined;
    };
    expect(over({ depth: 3, nodes: 25, cost: 40 })).toBeUndefined();
    expect(over({ depth: 4, nodes: 1, cost: 1 })).toMatchObject({
      code: 'FRAISEQL_DEPTH_LIMIT_EXCEEDED',
      errors: [{ message: expect.stringMatching(/4 levels deep.*limit is 3/), extensions: { depth: 4, maxDepth: 3 } }],
    });
    expect(over({ depth: 2, nodes: 26, cost: 1 })).toMatchObject({
      code: 'FRAISEQL_NODE_LIMIT_EXCEEDED',
      errors: [{ message: expect.stringMatching(/26 nodes.*limit is 25/), extensions: { nodes: 26, maxNodes: 25 } }],
    });
    expect(over({ depth: 2, nodes: 2, cost: 41 })).toMatchObject({
      code: 'FRAISEQL_COST_LIMIT_EXCEEDED',
      errors: [{ message: expect.stringMatching(/cost 41 exceeds.*limit 40/), extensions: { cost: 41, maxCost: 40 } }],
    });
  });

  it.each([
    ['not JSON', '{analyst: 1}', /FRAISEQL_GRAPHQL_ROLE_LIMITS.*JSON/],
    ['an unknown dimension', '{"analyst": {"rate": 5}}', /FRAISEQL_GRAPHQL_ROLE_LIMITS.*analyst/],
    ['a limit that is not a positive integer', '{"analyst": {"depth": 0}}', /FRAISEQL_GRAPHQL_ROLE_LIMITS.*analyst\.depth/],
    ['a bad role name', '{"an alyst": {"depth": 3}}', /FRAISEQL_GRAPHQL_ROLE_LIMITS.*role names/],
  ])('refuses at start-up role limits with %s, naming the key', (_what, value, message) => {
    let error: unknown;
    try {
      loadConfig(runtime, { env: { FRAISEQL_GRAPHQL_ROLE_LIMITS: value } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FraiseqlError);
    expect((error as FraiseqlError).code).toBe('FRAISEQL_CONFIG_INVALID');
    expect((error as FraiseqlError).message).toMatch(message);
  });
});
