import { FraiseqlError } from '@fraiseql/errors';
import { protocol, readFlightData } from '@fraiseql/flight';

const bytes = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

/** A message as grpc-js hands it over: its own buffer, starting `at` bytes in. */
function received(message: Uint8Array, at: number): Buffer {
  const framed = Buffer.alloc(message.byteLength + at);
  framed.set(message, at);
  return framed.subarray(at);
}

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(FraiseqlError);
    return (error as FraiseqlError).code;
  }
};

describe('readFlightData: the FlightData protobuf read as views of the received bytes', () => {
  const header = bytes(136, 1);
  const body = bytes(4096, 2);
  const appMetadata = bytes(11, 3);

  it('reads data_header, app_metadata and data_body exactly as protobufjs decodes them', () => {
    const cases = [
      { dataHeader: header, dataBody: body },
      { dataHeader: header },
      { dataHeader: header, dataBody: body, appMetadata },
      { appMetadata },
      { flightDescriptor: { type: 2, cmd: bytes(40, 4) }, dataHeader: header, dataBody: body },
      {},
    ];
    for (const message of cases) {
      const encoded = protocol.FlightData.encode(message).finish();
      const expected = protocol.FlightData.decode(encoded);
      const read = readFlightData(received(encoded, 5));
      expect(Buffer.from(read.dataHeader)).toEqual(Buffer.from(expected.dataHeader ?? []));
      expect(Buffer.from(read.dataBody)).toEqual(Buffer.from(expected.dataBody ?? []));
      expect(Buffer.from(read.appMetadata)).toEqual(Buffer.from(expected.appMetadata ?? []));
    }
  });

  it('hands out views of the message, not copies, when the body is aligned', () => {
    const encoded = protocol.FlightData.encode({ dataHeader: header, dataBody: body }).finish();
    const bodyAt = encoded.byteLength - body.byteLength;
    const message = received(encoded, (8 - (bodyAt % 8)) % 8);
    const read = readFlightData(message, { alignBodyInPlace: true });
    expect(read.dataBody.buffer).toBe(message.buffer);
    expect(read.dataHeader.buffer).toBe(message.buffer);
    expect(read.dataBody.byteOffset - message.byteOffset).toBe(bodyAt);
  });

  it('skips unknown fields of every wire type and keeps the last of a repeated field, as protobuf does', () => {
    const writer = protocol.FlightData.encode({ dataHeader: bytes(8, 9), dataBody: body });
    writer.uint32((7 << 3) | 0).uint64(123456789012345); // varint
    writer.uint32((8 << 3) | 1).fixed64(42); // 64-bit
    writer.uint32((9 << 3) | 2).bytes(bytes(300, 5)); // length-delimited
    writer.uint32((10 << 3) | 5).fixed32(7); // 32-bit
    writer.uint32((2 << 3) | 2).bytes(header); // data_header again: this one wins
    const read = readFlightData(writer.finish());
    expect(Buffer.from(read.dataHeader)).toEqual(Buffer.from(header));
    expect(Buffer.from(read.dataBody)).toEqual(Buffer.from(body));
  });

  it('moves a misaligned body back in place, whatever its offset, leaving header and app_metadata intact', () => {
    // A short body has a 3-byte tag + length, so some shifts reach into the field before it.
    for (const [bodyBytes, before] of [
      [body, { dataHeader: header }],
      [bytes(100, 6), { dataHeader: header }],
      [bytes(100, 6), { dataHeader: header, appMetadata }],
    ] as const) {
      const encoded = protocol.FlightData.encode({ ...before, dataBody: bodyBytes }).finish();
      for (let at = 0; at < 8; at++) {
        const message = received(encoded, at);
        const read = readFlightData(message, { alignBodyInPlace: true });
        expect(read.dataBody.byteOffset % 8).toBe(0);
        expect(read.dataBody.buffer).toBe(message.buffer);
        expect(Buffer.from(read.dataBody)).toEqual(Buffer.from(bodyBytes));
        expect(Buffer.from(read.dataHeader)).toEqual(Buffer.from(header));
        expect(Buffer.from(read.appMetadata)).toEqual(Buffer.from(before.appMetadata ?? []));
      }
    }
  });

  it('leaves the bytes untouched without alignBodyInPlace', () => {
    const encoded = protocol.FlightData.encode({ dataHeader: header, dataBody: body }).finish();
    const message = received(encoded, 3);
    const before = Buffer.from(message);
    const read = readFlightData(message);
    expect(Buffer.from(message)).toEqual(before);
    expect(Buffer.from(read.dataBody)).toEqual(Buffer.from(body));
  });

  it('refuses a message cut anywhere inside a field with FRAISEQL_FLIGHT_DATA_INVALID', () => {
    const encoded = protocol.FlightData.encode({ dataHeader: bytes(200, 1), dataBody: bytes(300, 2) }).finish();
    const headerFieldEnd = 1 + 2 + 200; // tag, 2-byte length, bytes
    for (let cut = 1; cut < encoded.byteLength; cut++) {
      // Cut right after the header field: a FlightData without a body, which the batch decoder refuses.
      if (cut === headerFieldEnd) continue;
      expect(codeOf(() => readFlightData(received(encoded.subarray(0, cut), 1)))).toBe('FRAISEQL_FLIGHT_DATA_INVALID');
    }
  });

  it('refuses bad lengths, bad varints, wrong wire types and field 0 with FRAISEQL_FLIGHT_DATA_INVALID', () => {
    const malformed = [
      Uint8Array.of(0x12, 0x05, 1, 2), // data_header claims 5 bytes, 2 follow
      Uint8Array.of(0x12, 0xff, 0xff, 0xff, 0xff, 0x0f), // a 4 GiB header
      Uint8Array.of(0xc2, 0x3e, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), // an 11-byte varint
      Uint8Array.of(0x10, 0x01), // data_header as a varint
      Uint8Array.of(0x1d, 0, 0, 0, 0), // app_metadata as 32-bit
      Uint8Array.of(0x4b, 0x4c), // a group (wire type 3)
      Uint8Array.of(0x02, 0x00), // field 0
      Uint8Array.of(0x41, 1, 2, 3), // a 64-bit field cut short
    ];
    for (const message of malformed) expect(codeOf(() => readFlightData(received(message, 5)))).toBe('FRAISEQL_FLIGHT_DATA_INVALID');
  });
});
