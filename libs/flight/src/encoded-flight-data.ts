import type { FlightDataFrame } from './flight-data-frame';

/**
 * A FlightData message already in its protobuf wire form (`data_header` then `data_body`, each as
 * tag + length + bytes), with `dataHeader` and `dataBody` as views of those bytes. The service's
 * serializer passes `encoded` through as it is, so protobufjs never copies the body again; anything
 * that reads a FlightData (metrics, tests) still sees the two fields.
 */
export class EncodedFlightData implements FlightDataFrame {
  /** Set once the service serializer handed `encoded` to grpc-js (which copies it into its frame). */
  serialized = false;

  constructor(
    readonly encoded: Buffer,
    readonly dataHeader: Uint8Array,
    readonly dataBody: Uint8Array,
  ) {}
}
