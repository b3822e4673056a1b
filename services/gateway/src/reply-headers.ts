/**
 * Headers of a `fraiseql.v1.query` reply. The query-executor writes the same two names: they belong
 * in @fraiseql/nats-contract HEADERS (see README, "Open points").
 */
export const REPLY_HEADERS = {
  /** Hash of the compiled schema the executor planned with. */
  schemaHash: 'Fraiseql-Schema-Hash',
  /** The HTTP status the reply maps to under application/graphql-response+json. */
  status: 'Fraiseql-Status',
} as const;
