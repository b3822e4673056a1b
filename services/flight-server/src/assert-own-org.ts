import { DataType, type RecordBatch } from 'apache-arrow';
import { uuidToBinary } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';

/** Every org value of an upload must be the caller's org (checked before the batch is sent). */
export function assertOwnOrg(batch: RecordBatch, column: string, orgId: string): void {
  const vector = batch.getChild(column);
  if (!vector) return;
  const own = uuidToBinary(orgId);
  const data = vector.data[0]!;
  // 16-byte UUIDs are compared in the column buffer (no per-row value); text UUIDs as strings.
  const bytes = DataType.isFixedSizeBinary(data.type) ? (data.values as Uint8Array) : undefined;
  for (let i = 0; i < batch.numRows; i++) {
    let same: boolean;
    if (bytes) {
      const at = (data.offset + i) * 16;
      same = data.getValid(i);
      for (let b = 0; same && b < 16; b++) same = bytes[at + b] === own[b];
    } else {
      const value: unknown = vector.get(i);
      same = typeof value === 'string' && value.toLowerCase() === orgId;
    }
    if (!same)
      throw new FraiseqlError(
        'FRAISEQL_FORBIDDEN',
        `Row ${i} of the upload belongs to another organization (column ${column}); only the caller's org may be written. Nothing was written.`,
        { details: { row: i } },
      );
  }
}
