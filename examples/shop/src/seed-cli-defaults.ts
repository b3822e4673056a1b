/** The database the demo uses unless told otherwise (same default as the query-executor). */
export const DEFAULT_DATABASE_URL =
  process.env.FRAISEQL_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/fraiseql';
