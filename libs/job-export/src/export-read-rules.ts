import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { entityReadDenials, type QueryPlanner } from '@fraiseql/query-planner';
import type { EventsExportSource, ViewExportSource } from './export-payload';

type CompiledSchema = QueryPlanner['compiled'];

/** What an export of a view or of events reads once the read rules are applied. */
export interface ExportReadPlan<S extends ViewExportSource | EventsExportSource> {
  /** The source to read: a whole-dataset view export without the columns the creator is refused. */
  source: S;
  /** Selected columns the creator reads as NULL (`onDenied: 'mask'`). */
  masked: string[];
}

const holds = (roles: readonly string[] | undefined, caller: Caller): boolean =>
  roles === undefined || roles.some((role) => caller.roles.includes(role));

/** `v_order` and `public.v_order` name one relation. */
const relationName = (name: string): string => name.slice(name.lastIndexOf('.') + 1);

/**
 * The schema's read rules (docs/adr/0136-authorization-in-the-plan.md) for an export of a view or of events, as Flight
 * applies them to the same data. A declared dataset: its rule; a column the creator may not read is left out of a
 * whole-dataset export, NULL when masked, and refused when named (selected, filtered or ordered by; masked ones too
 * when filtered or ordered by). An entity's view, or events, copy whole documents that cannot be masked inside: the
 * entity's type rule and every field reachable from it must let the creator through. A refusal is FRAISEQL_FORBIDDEN
 * naming what is denied, before anything is read. (Graphql exports are planned by the query planner.)
 */
export function exportReadPlan<S extends ViewExportSource | EventsExportSource>(
  compiled: CompiledSchema,
  source: S,
  caller: Caller,
): ExportReadPlan<S> {
  const denied: string[] = [];
  const masked: string[] = [];
  let planned: S = source;
  if (source.kind === 'events') {
    const entities = compiled.types.filter(
      (t) => t.kind === 'entity' && t.capture !== undefined && (source.entityType === undefined || t.name === source.entityType),
    );
    for (const entity of entities) denied.push(...entityReadDenials(compiled, entity.name, caller.roles));
  } else {
    const view = relationName(source.view);
    const dataset = (compiled.datasets ?? []).find((d) => d.name === view);
    if (dataset) {
      if (!holds(dataset.roles, caller)) denied.push(dataset.name);
      const unreadable = new Set(dataset.columns.filter((c) => !holds(c.roles, caller)).map((c) => c.name));
      const maskable = new Set(dataset.columns.filter((c) => unreadable.has(c.name) && c.onDenied === 'mask').map((c) => c.name));
      const selected = source.columns ?? dataset.columns.filter((c) => !unreadable.has(c.name) || maskable.has(c.name)).map((c) => c.name);
      for (const name of selected) {
        if (maskable.has(name)) masked.push(name);
        else if (unreadable.has(name)) denied.push(`${dataset.name}.${name}`);
      }
      for (const name of [...Object.keys(source.where ?? {}), ...(source.orderBy ?? []).map((o) => o.column)])
        if (unreadable.has(name)) denied.push(`${dataset.name}.${name}`);
      if (source.columns === undefined && selected.length < dataset.columns.length) planned = { ...source, columns: selected };
    }
    const entity = compiled.types.find((t) => t.kind === 'entity' && t.view !== undefined && relationName(t.view) === view);
    if (entity) denied.push(...entityReadDenials(compiled, entity.name, caller.roles));
  }
  if (denied.length > 0) {
    const unique = [...new Set(denied)];
    const what = source.kind === 'events' ? `the events of ${source.entityType ?? 'every entity'}` : source.view;
    throw new FraiseqlError(
      'FRAISEQL_FORBIDDEN',
      `Exporting ${what} reads data the read rules deny this caller: ${unique.slice(0, 5).join(', ')}${unique.length > 5 ? ', …' : ''}.`,
      { details: { denied: unique } },
    );
  }
  return { source: planned, masked };
}
