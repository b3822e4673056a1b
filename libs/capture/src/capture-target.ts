import { FraiseqlError } from '@fraiseql/errors';
import type { CompiledSchema } from '@fraiseql/schema';
import { quoteIdentifier, quoteLiteral, quoteRelation, snakeCase } from './sql-identifier';

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** One table whose row writes are captured for an entity: its own table or a child table. */
export interface CapturedTable {
  /** As written in the compiled schema (`tb_order_item`). */
  table: string;
  /** Quoted (`"tb_order_item"`). */
  quotedTable: string;
  /** Quoted column holding the entity id in this table (`"id"`, or `"order_id"` for a child). */
  quotedEntityIdColumn: string;
  /** Quoted org column for the entity's own table; undefined for child tables (read from the parent). */
  quotedOrgColumn?: string;
  /** The trigger function (`capture_order_on_tb_order_item`), in schema `fraiseql`. */
  triggerFunction: string;
}

/** Everything the SQL generator needs about one captured entity, validated and quoted. */
export interface CaptureTarget {
  entityType: string;
  /** `'Order'`. */
  entityTypeLiteral: string;
  quotedView: string;
  quotedTable: string;
  quotedIdColumn: string;
  quotedOrgColumn?: string;
  preImages: boolean;
  /** Function names in schema `fraiseql` (unquoted; they are plain lower-case identifiers). */
  readFunction: string;
  touchFunction: string;
  /** Trigger name, the same on the entity's table and on each child table. */
  triggerName: string;
  /** The entity's own table first, then the children in declaration order. */
  tables: CapturedTable[];
}

const invalid = (message: string) => new FraiseqlError('FRAISEQL_SCHEMA_INVALID', message);

/**
 * The entities of a compiled schema that declare `capture`, in declaration order, with every
 * name checked: identifiers come only from the compiled schema and must be plain SQL names.
 */
export function captureTargets(schema: Pick<CompiledSchema, 'types'>): CaptureTarget[] {
  const targets: CaptureTarget[] = [];
  const generatedNames = new Map<string, string>();
  for (const type of schema.types) {
    const capture = type.capture;
    if (!capture) continue;
    const where = `${type.name}.capture`;
    if (type.kind !== 'entity')
      throw invalid(`${where}: only entities are captured, ${type.name} is ${type.kind === 'enum' ? 'an enum' : 'an object'}`);
    if (!GRAPHQL_NAME.test(type.name)) throw invalid(`${where}: ${JSON.stringify(type.name)} is not a GraphQL name`);
    if (!type.view) throw invalid(`${where}: the entity has no view`);
    if (typeof capture.preImages !== 'boolean') throw invalid(`${where}.preImages must be true or false`);
    if (!Array.isArray(capture.children)) throw invalid(`${where}.children must be a list (empty when the entity has no child tables)`);

    const entity = snakeCase(type.name);
    const name = (suffix: string) => {
      const full = `capture_${entity}_${suffix}`;
      quoteIdentifier(full, `${where}: generated name`);
      const owner = generatedNames.get(full);
      if (owner) throw invalid(`${where}: generated name ${full} is also generated for ${owner}; rename one entity or table`);
      generatedNames.set(full, type.name);
      return full;
    };
    const tableNames = [capture.table, ...capture.children.map((c) => c?.table)];
    const repeated = tableNames.find((t, i) => tableNames.indexOf(t) !== i);
    if (repeated !== undefined) throw invalid(`${where}: table ${repeated} is listed twice`);
    const quotedIdColumn = quoteIdentifier(capture.idColumn, `${where}.idColumn`);
    const quotedOrgColumn = capture.orgColumn === undefined ? undefined : quoteIdentifier(capture.orgColumn, `${where}.orgColumn`);
    const tables: CapturedTable[] = [
      {
        table: capture.table,
        quotedTable: quoteRelation(capture.table, `${where}.table`),
        quotedEntityIdColumn: quotedIdColumn,
        ...(quotedOrgColumn ? { quotedOrgColumn } : {}),
        triggerFunction: name(`on_${tableName(capture.table).toLowerCase()}`),
      },
    ];
    capture.children.forEach((child, i) => {
      const at = `${where}.children[${i}]`;
      tables.push({
        table: child.table,
        quotedTable: quoteRelation(child.table, `${at}.table`),
        quotedEntityIdColumn: quoteIdentifier(child.parentIdColumn, `${at}.parentIdColumn`),
        triggerFunction: name(`on_${tableName(child.table).toLowerCase()}`),
      });
    });
    targets.push({
      entityType: type.name,
      entityTypeLiteral: quoteLiteral(type.name),
      quotedView: quoteRelation(type.view, `${type.name}.view`),
      quotedTable: tables[0]!.quotedTable,
      quotedIdColumn,
      ...(quotedOrgColumn ? { quotedOrgColumn } : {}),
      preImages: capture.preImages,
      readFunction: name('read'),
      touchFunction: name('touch'),
      triggerName: quoteIdentifier(`fraiseql_capture_${entity}`, `${where}: generated trigger name`).slice(1, -1),
      tables,
    });
  }
  return targets;
}

/** The table part of a possibly schema-qualified name. */
function tableName(relation: string): string {
  return relation.split('.').pop()!;
}
