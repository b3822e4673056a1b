import { FraiseqlError } from '@fraiseql/errors';
import type { FlightDataFrame } from './flight-data-frame';

/** One received FlightData as views of the message bytes (nothing copied unless alignment needs it). */
export interface FlightDataMessage extends FlightDataFrame {
  appMetadata: Uint8Array;
}

export interface ReadFlightDataOptions {
  /**
   * The caller owns `message` and nothing else reads it afterwards (grpc-js hands every received
   * message over as a fresh Buffer): a body that does not start on an 8-byte boundary is moved back
   * in place (by at most 7 bytes, over the field's own tag and length), so that Arrow's typed arrays
   * can view its buffers without a copy of the whole body.
   */
  alignBodyInPlace?: boolean;
}

const EMPTY = new Uint8Array(0);
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;
const FIELD_DESCRIPTOR = 1;
const FIELD_DATA_HEADER = 2;
const FIELD_APP_METADATA = 3;
const FIELD_DATA_BODY = 1000;

const invalid = (message: string): FraiseqlError => new FraiseqlError('FRAISEQL_FLIGHT_DATA_INVALID', `Malformed FlightData: ${message}`);

/**
 * Reads the protobuf FlightData of a DoGet (data_header = 2, app_metadata = 3, data_body = 1000; the
 * descriptor and unknown fields are skipped) straight from the received bytes: the fields are views,
 * where protobufjs would build a message object. Later occurrences of a field win, as in protobuf.
 * Bytes that are not a FlightData throw FRAISEQL_FLIGHT_DATA_INVALID.
 */
export function readFlightData(message: Uint8Array, options: ReadFlightDataOptions = {}): FlightDataMessage {
  const end = message.byteLength;
  let at = 0;
  let dataHeader: Uint8Array = EMPTY;
  let appMetadata: Uint8Array = EMPTY;
  let dataBody: Uint8Array = EMPTY;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= end) throw invalid(`a varint runs past the end of the message (${end} bytes)`);
      const byte = message[at++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) throw invalid('a varint is out of range');
        return value;
      }
      scale *= 128;
    }
    throw invalid('a varint is longer than 10 bytes');
  };
  while (at < end) {
    const fieldStart = at;
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) throw invalid(`field number 0 at byte ${fieldStart}`);
    switch (wire) {
      case WIRE_LEN: {
        const length = varint();
        if (length > end - at) throw invalid(`field ${field} claims ${length} bytes, ${end - at} remain`);
        const bytes = message.subarray(at, at + length);
        at += length;
        if (field === FIELD_DATA_HEADER) dataHeader = bytes;
        else if (field === FIELD_APP_METADATA) appMetadata = bytes;
        else if (field === FIELD_DATA_BODY) dataBody = bytes;
        break;
      }
      case WIRE_VARINT:
        if (isKnownBytesField(field)) throw invalid(`field ${field} has wire type ${wire}, expected 2`);
        varint();
        break;
      case WIRE_I64:
      case WIRE_I32: {
        if (isKnownBytesField(field)) throw invalid(`field ${field} has wire type ${wire}, expected 2`);
        const size = wire === WIRE_I64 ? 8 : 4;
        if (size > end - at) throw invalid(`field ${field} runs past the end of the message`);
        at += size;
        break;
      }
      default:
        throw invalid(`field ${field} has unsupported wire type ${wire}`);
    }
  }
  if (options.alignBodyInPlace && dataBody.byteOffset % 8 !== 0) {
    const bodyAt = dataBody.byteOffset - message.byteOffset;
    const to = bodyAt - (dataBody.byteOffset % 8);
    if (to >= 0) {
      // Usually only the body field's own tag and length are overwritten; a field that ends within
      // the bytes the body moves over is copied out first (a header is small).
      const overwritten = (view: Uint8Array): boolean =>
        view.byteLength > 0 && view.byteOffset < dataBody.byteOffset && view.byteOffset - message.byteOffset + view.byteLength > to;
      if (overwritten(dataHeader)) dataHeader = copyOf(dataHeader);
      if (overwritten(appMetadata)) appMetadata = copyOf(appMetadata);
      const bytes = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      bytes.copyWithin(to, bodyAt, bodyAt + dataBody.byteLength);
      dataBody = bytes.subarray(to, to + dataBody.byteLength);
    }
  }
  return { dataHeader, dataBody, appMetadata };
}

function isKnownBytesField(field: number): boolean {
  return field === FIELD_DESCRIPTOR || field === FIELD_DATA_HEADER || field === FIELD_APP_METADATA || field === FIELD_DATA_BODY;
}

/** A copy (Buffer#slice would return a view). */
function copyOf(view: Uint8Array): Uint8Array {
  const copy = new Uint8Array(view.byteLength);
  copy.set(view);
  return copy;
}
