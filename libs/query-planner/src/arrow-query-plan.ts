/**
 * A GraphQL list query planned for Arrow Flight: one SELECT whose columns are typed
 * (c0, c1, ...), and the tree telling how those columns form the response's fields.
 * The Flight server runs `COPY (<sql>) TO STDOUT (FORMAT binary)` with `values` inlined.
 */
export interface ArrowQueryPlan {
  operationHash: string;
  /** The one root field's response key. */
  responseKey: string;
  /** Compiled query name (`orders`). */
  queryName: string;
  entityType: string;
  /** `SELECT c0, c1, … FROM <view> t WHERE … ORDER BY … [LIMIT $n] [OFFSET $m]`; every `$n` carries a cast. */
  sql: string;
  /** Values of $1..$n; lists are PostgreSQL array literals (`{"a","b"}`), so every value can be inlined. */
  values: Array<string | number | boolean | null>;
  /** The selection, in response order, aliases respected. */
  columns: ArrowColumnNode[];
}

export type ArrowColumnNode =
  /** A scalar, enum, or list of scalars/enums (a 1-D array column). */
  | { kind: 'value'; name: string; sqlColumn: string }
  /** A JSON scalar, or a list of objects projected to its selection (jsonb). */
  | { kind: 'json'; name: string; sqlColumn: string }
  /** A nested object (not a list): `presentColumn` is a bool, false when the object is null. */
  | { kind: 'struct'; name: string; presentColumn: string; children: ArrowColumnNode[] };
