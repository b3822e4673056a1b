import { Field, makeData, RecordBatch, Schema, Struct, type Data } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import type { ArrowColumnNode, QueryPlanner } from '@fraiseql/query-planner';
import type { GraphqlExportSource } from './export-payload';

/** A graphql source planned for one caller: the typed SELECT (one column per selected leaf) and its selection. */
export interface PlannedGraphqlExport {
  sql: string;
  params: Array<string | number | boolean | null>;
  columns: readonly ArrowColumnNode[];
  /** The file's columns, in order: each selected leaf by its path (`customer.name`). */
  columnNames: string[];
}

const QUERY_PATH = 'payload.source.query';

/**
 * Plans a graphql export as a Flight graphql ticket is planned (`QueryPlanner.planArrow`: one list query, the
 * document limits, the caller's org and roles), so an export returns exactly the rows and fields the caller could
 * read through GraphQL. A document the planner refuses is FRAISEQL_JOB_PAYLOAD_INVALID naming
 * `payload.source.query` (the planner's code in `details.cause`); a role the caller lacks stays FRAISEQL_FORBIDDEN.
 */
export function planGraphqlExport(planner: QueryPlanner, source: GraphqlExportSource, caller: Caller): PlannedGraphqlExport {
  try {
    const prepared = planner.prepare({ query: source.query, operationName: source.operationName ?? null });
    const plan = planner.planArrow(prepared, source.variables ?? {}, caller);
    return { sql: plan.sql, params: plan.values, columns: plan.columns, columnNames: leafPaths(plan.columns) };
  } catch (caught) {
    const code = (caught as { code?: unknown }).code;
    const message = caught instanceof Error ? caught.message : String(caught);
    if (code === 'FRAISEQL_FORBIDDEN') throw new FraiseqlError('FRAISEQL_FORBIDDEN', `${QUERY_PATH}: ${message}`, { cause: caught });
    throw new FraiseqlError('FRAISEQL_JOB_PAYLOAD_INVALID', `${QUERY_PATH}: ${message}`, {
      cause: caught,
      details: { path: QUERY_PATH, ...(typeof code === 'string' ? { cause: code } : {}) },
    });
  }
}

/**
 * A batch of the planned SELECT (columns c0, c1, …) as the file's flat columns: every leaf named by its path in
 * the selection, a nested object's fields side by side (`customer.id`, `customer.name`; null when the object is).
 * Parquet, Arrow IPC and CSV then carry the same columns. No value is copied.
 */
export function flattenSelection(batch: RecordBatch, columns: readonly ArrowColumnNode[]): RecordBatch {
  const index = new Map(batch.schema.fields.map((f, i) => [f.name, i] as const));
  const fields: Field[] = [];
  const children: Data[] = [];
  const visit = (nodes: readonly ArrowColumnNode[], prefix: string): void => {
    for (const node of nodes) {
      const name = `${prefix}${node.name}`;
      if (node.kind === 'struct') {
        visit(node.children, `${name}.`);
        continue;
      }
      const i = index.get(node.sqlColumn);
      if (i === undefined) throw new Error(`planned column ${node.sqlColumn} is missing from the result`);
      const field = batch.schema.fields[i]!;
      fields.push(new Field(name, field.type, true, field.metadata));
      children.push(batch.data.children[i]!);
    }
  };
  visit(columns, '');
  const schema = new Schema(fields);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

function leafPaths(columns: readonly ArrowColumnNode[], prefix = ''): string[] {
  return columns.flatMap((node) =>
    node.kind === 'struct' ? leafPaths(node.children, `${prefix}${node.name}.`) : [`${prefix}${node.name}`],
  );
}
