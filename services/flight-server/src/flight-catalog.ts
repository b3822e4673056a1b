import { Field, Schema } from 'apache-arrow';
import { mapPostgresColumn, PG_ARRAY_ELEMENT, PG_TYPE } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { ENTITY_EVENT_ARROW_SCHEMA } from '@fraiseql/events';
import type { RoleQueryLimits } from '@fraiseql/graphql-runtime';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import { compileEntityRedactor, type EntityRedactor, type QueryPlanner } from '@fraiseql/query-planner';
import { holdsAnyRole, type CompiledDataset, type CompiledDatasetColumn, type CompiledQuery, type CompiledSchema } from '@fraiseql/schema';

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
    /** Per-role depth/nodes/cost limits of graphql tickets (FRAISEQL_GRAPHQL_ROLE_LIMITS); absent: the planner's only. */
    readonly queryLimits?: Pick<RoleQueryLimits, 'for'>,
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

  /**
   * A captured entity whose events the principal may read: its type rule decides (docs/adr/0136-authorization-in-the-plan.md);
   * FRAISEQL_FORBIDDEN otherwise.
   */
  assertEventEntity(entityType: string, principal: AuthenticatedCaller): void {
    if (!this.eventEntities.includes(entityType))
      throw notFound(`No change events for "${entityType}": it is not a captured entity of the compiled schema.`);
    if (!this.mayReadEntity(entityType, principal)) {
      const roles = this.compiled.types.find((t) => t.name === entityType)?.roles ?? [];
      throw new FraiseqlError('FRAISEQL_FORBIDDEN', `Reading the events of ${entityType} needs the role ${roles.join(' or ')}.`, {
        details: { type: entityType, roles },
      });
    }
  }

  /** Whether the entity type's rule lets the principal read it. */
  mayReadEntity(entityType: string, principal: AuthenticatedCaller): boolean {
    return holdsAnyRole(this.compiled.types.find((t) => t.name === entityType)?.roles, principal.roles);
  }

  /** Sets to null, in an event's data, each field of the entity the principal may not read; null: nothing to hide. */
  eventRedactor(entityType: string, principal: AuthenticatedCaller): EntityRedactor | null {
    return compileEntityRedactor(this.compiled, entityType, principal.roles);
  }

  /**
   * The analytics datasets mix every entity type of the org: the counts (`events_hourly`, `entities_daily`) need every
   * type rule, the documents (`events`, `entity_state`) every type and field rule. What denies the principal, or [].
   */
  analyticsDenials(dataset: string, principal: AuthenticatedCaller): string[] {
    const countsOnly = COUNT_ANALYTICS.has(dataset);
    return this.compiled.types.flatMap((t) => [
      ...(holdsAnyRole(t.roles, principal.roles) ? [] : [t.name]),
      ...(countsOnly ? [] : t.fields.filter((f) => !holdsAnyRole(f.roles, principal.roles)).map((f) => `${t.name}.${f.name}`)),
    ]);
  }

  /** FRAISEQL_FORBIDDEN when a read rule denies the principal part of what the analytics dataset holds. */
  assertAnalyticsReadable(dataset: string, principal: AuthenticatedCaller): void {
    const denied = this.analyticsDenials(dataset, principal);
    if (denied.length > 0)
      throw new FraiseqlError(
        'FRAISEQL_FORBIDDEN',
        `analytics/${dataset} holds every entity type of the org; read rules deny this caller ${denied.slice(0, 5).join(', ')}${denied.length > 5 ? ', …' : ''}.`,
        { details: { denied } },
      );
  }

  /** The dataset, if its rule lets the principal read it (FRAISEQL_FORBIDDEN otherwise). */
  readableDataset(name: string, principal: AuthenticatedCaller): CompiledDataset {
    const dataset = this.dataset(name);
    if (!holdsAnyRole(dataset.roles, principal.roles))
      throw new FraiseqlError('FRAISEQL_FORBIDDEN', `Dataset ${dataset.name} needs the role ${dataset.roles!.join(' or ')}.`, {
        details: { dataset: dataset.name, roles: dataset.roles },
      });
    return dataset;
  }

  /** Whether the principal reads a column's values (false: masked or refused). */
  mayReadColumn(column: CompiledDatasetColumn, principal: AuthenticatedCaller): boolean {
    return holdsAnyRole(column.roles, principal.roles);
  }

  /**
   * The declared columns `names` of a dataset, in the given order; an unknown name is INVALID_ARGUMENT. With a
   * principal, the column rules apply (ADR 0136): a named column it is refused is FRAISEQL_FORBIDDEN, and the whole
   * dataset (no names) leaves such columns out; masked columns stay (their values are NULL, see dataset-sql.ts).
   */
  columns(dataset: CompiledDataset, names: readonly string[] | undefined, principal?: AuthenticatedCaller): CompiledDatasetColumn[] {
    const refused = (c: CompiledDatasetColumn): boolean =>
      principal !== undefined && c.onDenied !== 'mask' && !this.mayReadColumn(c, principal);
    if (names === undefined) return dataset.columns.filter((c) => !refused(c));
    const byName = new Map(dataset.columns.map((c) => [c.name, c]));
    return names.map((name) => {
      const column = byName.get(name);
      if (!column)
        throw new FraiseqlError(
          'BAD_USER_INPUT',
          `Dataset ${dataset.name} has no column "${name}" (it has ${dataset.columns.map((c) => c.name).join(', ')}).`,
        );
      if (refused(column))
        throw new FraiseqlError('FRAISEQL_FORBIDDEN', `Column ${dataset.name}.${name} needs the role ${column.roles!.join(' or ')}.`, {
          details: { dataset: dataset.name, column: name, roles: column.roles },
        });
      return column;
    });
  }

  /** A column named by a filter or an ordering: the principal must read its values (masked columns are refused too). */
  filterColumn(dataset: CompiledDataset, name: string, principal: AuthenticatedCaller): CompiledDatasetColumn {
    const [column] = this.columns(dataset, [name]) as [CompiledDatasetColumn];
    if (!this.mayReadColumn(column, principal))
      throw new FraiseqlError(
        'FRAISEQL_FORBIDDEN',
        `Filtering or ordering by ${dataset.name}.${name} needs the role ${column.roles!.join(' or ')}.`,
        { details: { dataset: dataset.name, column: name, roles: column.roles } },
      );
    return column;
  }

  eventSchema(): Schema {
    return ENTITY_EVENT_ARROW_SCHEMA;
  }
}

/** Analytics datasets of counts per entity type (no entity data): only type rules matter to them. */
const COUNT_ANALYTICS: ReadonlySet<string> = new Set(['events_hourly', 'entities_daily']);

function notFound(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_DATASET_NOT_FOUND', message);
}
