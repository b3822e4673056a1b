/** MessageHeader.RecordBatch in Arrow's Message.fbs union. */
const RECORD_BATCH = 3;

/**
 * The row count of an Arrow IPC RecordBatch message, read from its flatbuffer header (Message.header →
 * RecordBatch.length) without decoding anything else; 0 for any other message (schema, dictionary).
 */
export function recordBatchRows(header: Uint8Array): number {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  /** The offset of field `index` inside the table at `table`, 0 when absent. */
  const field = (table: number, index: number): number => {
    const vtable = table - view.getInt32(table, true);
    const slot = 4 + index * 2;
    return slot < view.getUint16(vtable, true) ? view.getUint16(vtable + slot, true) : 0;
  };
  const message = view.getUint32(0, true);
  const type = field(message, 1);
  if (type === 0 || view.getUint8(message + type) !== RECORD_BATCH) return 0;
  const body = field(message, 2);
  if (body === 0) return 0;
  const batch = message + body + view.getUint32(message + body, true);
  const length = field(batch, 0);
  return length === 0 ? 0 : Number(view.getBigInt64(batch + length, true));
}
