import type { AccessOptions, DatasetColumnMap, DatasetDefinition } from './schema-definition';

/** `requiresRole` / `requiresScope`: who may list, describe and read the dataset (docs/adr/0136-authorization-in-the-plan.md). */
export interface ArrowDatasetOptions extends AccessOptions {
  description?: string;
  /** Restrict every read and write to the caller's org (default true: tenancy is opt-out). */
  tenantScoped?: boolean;
  /** The uuid column holding the org (default `org_id` when tenant-scoped). */
  orgColumn?: string;
  /** The column export partitions hash (default `id` when declared). */
  partitionColumn?: string;
  /** `ta_*` only: the `va_*` dataset the table is refreshed from (the Flight action `refresh`). */
  refreshFrom?: string;
  /** Built with `column.*`; the declared order is the relation's and the Arrow schema's column order. */
  columns: DatasetColumnMap;
}

/**
 * A relation served over Arrow Flight with typed columns: `va_<name>` (a view, read-only) or
 * `ta_<name>` (a table Flight may write). The SQL object itself is the application's migration;
 * the compiler checks the declaration, and the shop's tests check it against PostgreSQL.
 */
export function arrowDataset(name: string, options: ArrowDatasetOptions): DatasetDefinition {
  const definition: { -readonly [K in keyof DatasetDefinition]: DatasetDefinition[K] } = {
    kind: 'dataset',
    name,
    tenantScoped: options.tenantScoped ?? true,
    columns: { ...options.columns },
  };
  if (options.description !== undefined) definition.description = options.description;
  if (options.orgColumn !== undefined) definition.orgColumn = options.orgColumn;
  if (options.partitionColumn !== undefined) definition.partitionColumn = options.partitionColumn;
  if (options.refreshFrom !== undefined) definition.refreshFrom = options.refreshFrom;
  if (options.requiresRole !== undefined) definition.requiresRole = options.requiresRole;
  if (options.requiresScope !== undefined) definition.requiresScope = options.requiresScope;
  return Object.freeze(definition);
}
