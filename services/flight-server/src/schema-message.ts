import { Table, tableToIPC, type Schema } from 'apache-arrow';

/** The Arrow IPC encapsulated Schema message (continuation, length, flatbuffer), as FlightInfo.schema wants it. */
export function schemaMessage(schema: Schema): Uint8Array {
  const stream = tableToIPC(new Table(schema), 'stream');
  return stream.subarray(0, stream.byteLength - 8);
}
