import { Field, Schema } from 'apache-arrow';
import { mapPostgresColumn, PG_ARRAY_ELEMENT, PG_TYPE } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { ENTITY_EVENT_ARROW_SCHEMA } from '@fraiseql/events';
import type { QueryPlanner } from '@fraiseql/query-planner';
import type { CompiledDataset, CompiledDatasetColumn, CompiledQuery, CompiledSchema } from '@fraiseql/schema';

/** Element type OID → its one-dimensional array type OID (the inverse of libs/arrow's table). */
const ARRAY_OF = new Map([...PG_ARRAY_ELEMENT].map(([array, element]) => [element, array]));

/** The Arrow field of a declared column: the libs/arrow mapping of its PostgreSQL type, nullability as declared. */
function columnField(column: CompiledDatasetColumn): Field {
  const typeOid = column.array ? ARRAY_OF.get(PG_TYPE[column.type])! : PG_TYPE[column.type];
  const typeModifier =
    column.type === 'numeric' && column.precision !== undefined ? ((column.precision << 16) | (column.scale ?? 0)) + 4 : -1;
  const mapped = mapPostgresColumn({ name: column.name, typeOid, typeModifier }).field;
  return new Field(column.name, mapped.type, column.nullable, mapped.metadata);
}

export function datasetSchema(dataset: CompiledDataset, columns: readonly CompiledDatasetColumn[] = dataset.columns): Schema {
  return new Schema(columns.map(columnField), new Map([['fraiseql.dataset', dataset.name]]));
}

/** What a principal may read, from one compiled schema (rebuilt on every schema change). */
export class FlightCatalog {
  readonly datasets: ReadonlyMap<string, CompiledDataset>;
  readonly listQueries: ReadonlyMap<string, CompiledQuery>;
  /** Entity types whose change events exist (captured entities). */
  readonly eventEntities: readonly string[];

  constructor(
    readonly compiled: CompiledSchema,
    readonly planner: QueryPlanner,
  ) {
    this.datasets = new Map((compiled.datasets ?? []).map((d) => [d.name, d]));
    this.listQueries = new Map(compiled.queries.filter((q) => q.kind === 'list').map((q) => [q.name, q]));
    this.eventEntities = compiled.types.filter((t) => t.kind === 'entity' && t.capture !== undefined).map((t) => t.name);
  }

  dataset(name: string): CompiledDataset {
    const dataset = this.datasets.get(name);
    if (!dataset) throw notFound(`No dataset "${name}": ListFlights shows the datasets of the compiled schema.`);
    return dataset;
  }

  listQuery(name: string): CompiledQuery {
    const query = this.listQueries.get(name);
    if (!query) throw notFound(`No list query "${name}" in the compiled schema.`);
    return query;
  }

  assertEventEntity(entityType: string): void {
    if (!this.eventEntities.includes(entityType))
      throw notFound(`No change events for "${entityType}": it is not a captured entity of the compiled schema.`);
  }

  /** The declared columns `names` of a dataset, in the given order; an unknown name is INVALID_ARGUMENT. */
  columns(dataset: CompiledDataset, names: readonly string[] | undefined): CompiledDatasetColumn[] {
    if (names === undefined) return [...dataset.columns];
    const byName = new Map(dataset.columns.map((c) => [c.name, c]));
    return names.map((name) => {
      const column = byName.get(name);
      if (!column)
        throw new FraiseqlError(
          'BAD_USER_INPUT',
          `Dataset ${dataset.name} has no column "${name}" (it has ${dataset.columns.map((c) => c.name).join(', ')}).`,
        );
      return column;
    });
  }

  eventSchema(): Schema {
    return ENTITY_EVENT_ARROW_SCHEMA;
  }
}

function notFound(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_DATASET_NOT_FOUND', message);
}
