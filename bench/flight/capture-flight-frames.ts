import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { FLIGHT_CHANNEL_DEFAULTS, FLIGHT_SERVICE } from '@fraiseql/flight';

export interface CapturedFrames {
  /** Each FlightData message exactly as grpc-js hands it to responseDeserialize. */
  frames: Buffer[];
  bytes: number;
}

/**
 * One real DoGet of `ticket` on its own channel, with an identity responseDeserialize: the serialized
 * FlightData messages of the stream, kept in memory, for the client codec comparison to decode again
 * and again without the server. `sessionToken` is what the Handshake answered.
 */
export async function captureFlightFrames(address: string, sessionToken: string, ticket: Uint8Array): Promise<CapturedFrames> {
  const grpc = new Client(address, credentials.createInsecure(), FLIGHT_CHANNEL_DEFAULTS);
  try {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${sessionToken}`);
    const m = FLIGHT_SERVICE.DoGet;
    const call = grpc.makeServerStreamRequest(m.path, m.requestSerialize, (bytes: Buffer): Buffer => bytes, { ticket }, metadata, {});
    const frames: Buffer[] = [];
    let bytes = 0;
    for await (const frame of call as AsyncIterable<Buffer>) {
      frames.push(frame);
      bytes += frame.byteLength;
    }
    return { frames, bytes };
  } finally {
    grpc.close();
  }
}
