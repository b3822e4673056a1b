/** One Arrow IPC message as FlightData carries it: the Message flatbuffer and its body, apart. */
export interface FlightDataFrame {
  /** The IPC Message flatbuffer (with the writer's 8-byte alignment padding). */
  dataHeader: Uint8Array;
  /** The message body (the buffers of a batch or dictionary); empty for a schema. */
  dataBody: Uint8Array;
}
