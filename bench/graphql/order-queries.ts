import type { NormalisedOrder } from './bench-system';

/**
 * The benchmark's logical query, spelled for each system: the org's PAID orders, newest first,
 * `limit` of them, each with its customer and its line items (with their product).
 * Both documents take the page size as a variable, so each server parses and validates one
 * document once and serves every request from its document cache.
 */
export const ORDER_QUERIES = [
  { name: 'Q20', limit: 20 },
  { name: 'Q100', limit: 100 },
] as const;

export type OrderQueryName = (typeof ORDER_QUERIES)[number]['name'];

/** FraiseQL: the org comes from the auth context, the tenant filter is the planner's. */
export const FRAISEQL_ORDERS = `query BenchOrders($limit: Int!) {
  orders(where: { status: { eq: PAID } }, orderBy: [{ field: placedAt, direction: DESC }], limit: $limit) {
    id status total placedAt
    customer { id email name }
    items { id quantity unitPrice product { id sku name } }
  }
}`;

/**
 * PostGraphile v4 over the same tables: the org is an explicit condition, and `ID_DESC` is the
 * same tie-breaker FraiseQL's planner appends (orders with equal placed_at come out in the same
 * order on both sides). Line items come in primary-key order, as in v_order. The relation names
 * carry `OrgIdAnd` because the shop's foreign keys are composite (org_id, x_id): tenant-safe joins.
 */
export const POSTGRAPHILE_ORDERS = `query BenchOrders($org: UUID!, $limit: Int!) {
  allTbOrders(condition: { orgId: $org, status: "PAID" }, orderBy: [PLACED_AT_DESC, ID_DESC], first: $limit) {
    nodes {
      id status total placedAt
      tbUserByOrgIdAndCustomerId { id email name }
      tbOrderItemsByOrgIdAndOrderId { nodes { id quantity unitPrice tbProductByOrgIdAndProductId { id sku name } } }
    }
  }
}`;

export function fraiseqlBody(limit: number): string {
  return JSON.stringify({ query: FRAISEQL_ORDERS, variables: { limit } });
}

export function postgraphileBody(orgId: string, limit: number): string {
  return JSON.stringify({ query: POSTGRAPHILE_ORDERS, variables: { org: orgId, limit } });
}

interface GraphqlResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string }[];
}

export function normaliseFraiseql(response: GraphqlResponse): NormalisedOrder[] {
  const orders = dataOf(response, 'orders') as any[];
  return orders.map((o) => ({
    id: o.id,
    status: o.status,
    total: Number(o.total),
    placedAtMs: Date.parse(o.placedAt),
    customer: { id: o.customer.id, email: o.customer.email, name: o.customer.name ?? null },
    items: (o.items as any[]).map((i) => ({
      id: i.id,
      quantity: i.quantity,
      unitPrice: Number(i.unitPrice),
      product: { id: i.product.id, sku: i.product.sku, name: i.product.name },
    })),
  }));
}

export function normalisePostgraphile(response: GraphqlResponse): NormalisedOrder[] {
  const connection = dataOf(response, 'allTbOrders') as { nodes: any[] };
  return connection.nodes.map((o) => ({
    id: o.id,
    status: o.status,
    total: Number(o.total),
    placedAtMs: Date.parse(o.placedAt),
    customer: {
      id: o.tbUserByOrgIdAndCustomerId.id,
      email: o.tbUserByOrgIdAndCustomerId.email,
      name: o.tbUserByOrgIdAndCustomerId.name ?? null,
    },
    items: (o.tbOrderItemsByOrgIdAndOrderId.nodes as any[]).map((i) => ({
      id: i.id,
      quantity: i.quantity,
      unitPrice: Number(i.unitPrice),
      product: {
        id: i.tbProductByOrgIdAndProductId.id,
        sku: i.tbProductByOrgIdAndProductId.sku,
        name: i.tbProductByOrgIdAndProductId.name,
      },
    })),
  }));
}

function dataOf(response: GraphqlResponse, field: string): unknown {
  if (response.errors?.length) throw new Error(`GraphQL errors: ${response.errors.map((e) => e.message).join('; ')}`);
  const value = response.data?.[field];
  if (value === undefined || value === null) throw new Error(`no data.${field} in ${JSON.stringify(response).slice(0, 500)}`);
  return value;
}

/**
 * The first difference between two normalised answers, or undefined when they are the same
 * logical data. Compared: ids in order, status, total, placed-at (to the millisecond), the
 * customer, and every line item with its product, in order.
 */
export function firstDifference(expected: NormalisedOrder[], actual: NormalisedOrder[]): string | undefined {
  if (expected.length !== actual.length) return `${expected.length} orders vs ${actual.length}`;
  for (let index = 0; index < expected.length; index += 1) {
    const a = expected[index]!;
    const b = actual[index]!;
    const left = JSON.stringify(a);
    const right = JSON.stringify(b);
    if (left !== right) return `order #${index}:\n  ${left}\n  ${right}`;
  }
  return undefined;
}
