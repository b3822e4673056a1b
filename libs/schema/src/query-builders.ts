import type { SchemaAdminOptions } from './compiled-schema';
import type {
  DatasetDefinition,
  MutationDefinition,
  MutationOptions,
  ObserverDefinition,
  QueryDefinition,
  QueryOptions,
  SchemaDefinition,
  SubscriptionDefinition,
  SubscriptionOptions,
  TypeDefinition,
  TypeReference,
} from './schema-definition';

/** `orders(where, orderBy, limit, offset): [Order!]!` */
export function listQuery(name: string, entity: TypeReference, options: QueryOptions = {}): QueryDefinition {
  return Object.freeze({ kind: 'list' as const, name, entity, options: { ...options } });
}

/** `ordersConnection(where, orderBy, first, after, last, before): OrderConnection!` (Relay). */
export function connectionQuery(name: string, entity: TypeReference, options: QueryOptions = {}): QueryDefinition {
  return Object.freeze({ kind: 'connection' as const, name, entity, options: { ...options } });
}

/** `order(id: ID!): Order` */
export function lookupQuery(
  name: string,
  entity: TypeReference,
  options: Pick<QueryOptions, 'description' | 'deprecated' | 'roles' | 'requiresRole' | 'requiresScope'> = {},
): QueryDefinition {
  return Object.freeze({ kind: 'lookup' as const, name, entity, options: { ...options } });
}

/**
 * `createOrder(input: CreateOrderInput!): CreateOrderResult!` running `fn_create_order(input, ctx)`
 * (docs/adr/0082-mutations.md).
 */
export function mutation(name: string, options: MutationOptions): MutationDefinition {
  return Object.freeze({ kind: 'mutation' as const, name, options: { ...options } });
}

/**
 * `orderChanged(where: OrderWhereInput, operations: [ChangeOperation!]): OrderChange!`: the
 * entity's change events of the caller's org, over WebSocket (docs/adr/0083-subscriptions.md).
 */
export function subscription(name: string, entity: TypeReference, options: SubscriptionOptions = {}): SubscriptionDefinition {
  return Object.freeze({ kind: 'subscription' as const, name, entity, options: { ...options } });
}

export interface SchemaDefinitionInput {
  types?: readonly TypeDefinition[];
  queries: readonly QueryDefinition[];
  mutations?: readonly MutationDefinition[];
  subscriptions?: readonly SubscriptionDefinition[];
  /** Arrow Flight datasets (`arrowDataset(...)`), compiled in this order. */
  datasets?: readonly DatasetDefinition[];
  /** Observer rules (`observer(...)`), compiled in this order. */
  observers?: readonly ObserverDefinition[];
  /** `{ observers: true }`: the admin GraphQL surface for run-time observer rules (docs/adr/0104-admin-observer-api.md). */
  admin?: SchemaAdminOptions;
}

/** The value a schema entry file exports (default export or `schema`) for `fraiseql compile`. */
export function defineSchema(input: SchemaDefinitionInput): SchemaDefinition {
  return Object.freeze({
    kind: 'schema' as const,
    types: [...(input.types ?? [])],
    queries: [...input.queries],
    mutations: [...(input.mutations ?? [])],
    subscriptions: [...(input.subscriptions ?? [])],
    datasets: [...(input.datasets ?? [])],
    observers: [...(input.observers ?? [])],
    ...(input.admin === undefined ? {} : { admin: { ...input.admin } }),
  });
}
