import { uuidToBinary, type CopyTargetColumn } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import type { CompiledDataset } from '@fraiseql/schema';

/** The target columns of a DoPut: every uploaded column, plus the org column filled from the caller. */
export function putColumns(
  dataset: CompiledDataset,
  fields: ReadonlyArray<{ name: string }>,
  principal: AuthenticatedCaller,
): CopyTargetColumn[] {
  const declared = new Map(dataset.columns.map((c) => [c.name, c]));
  const unknown = fields.filter((f) => !declared.has(f.name)).map((f) => f.name);
  if (unknown.length > 0)
    throw new FraiseqlError(
      'FRAISEQL_PUT_SCHEMA_MISMATCH',
      `Table ${dataset.name} has no column ${unknown.map((n) => `"${n}"`).join(', ')}.`,
      { details: { columns: unknown } },
    );
  const uploaded = new Set(fields.map((f) => f.name));
  const targets: CopyTargetColumn[] = [];
  for (const column of dataset.columns) {
    const isOrg = dataset.tenantScoped && column.name === dataset.orgColumn;
    if (uploaded.has(column.name))
      targets.push({
        name: column.name,
        type: column.type,
        array: column.array,
        nullable: column.nullable,
        source: { field: column.name },
      });
    else if (isOrg)
      targets.push({
        name: column.name,
        type: column.type,
        array: false,
        nullable: false,
        source: { constant: uuidToBinary(principal.orgId!) },
      });
    else if (!column.nullable)
      throw new FraiseqlError(
        'FRAISEQL_PUT_SCHEMA_MISMATCH',
        `Table ${dataset.name} needs column "${column.name}" (NOT NULL) in the upload.`,
        { details: { column: column.name } },
      );
  }
  return targets;
}
