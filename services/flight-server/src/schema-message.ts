import { Table, tableToIPC, type Schema } from 'apache-arrow';

/**
 * The Arrow IPC encapsulated Schema message (continuation, length, flatbuffer), as FlightInfo.schema wants it;
 * a message already encoded (an analytics dataset's, as ClickHouse wrote it) is returned as is.
 */
export function schemaMessage(schema: Schema | Uint8Array): Uint8Array {
  if (schema instanceof Uint8Array) return schema;
  const stream = tableToIPC(new Table(schema), 'stream');
  return stream.subarray(0, stream.byteLength - 8);
}
