import { FraiseqlError } from '@fraiseql/errors';
import { compressionRegistry, makeData, Message, RecordBatch, Struct, Vector, type Data, type DataType, type Schema } from 'apache-arrow';
import { COMPRESS_LENGTH_PREFIX, LENGTH_NO_COMPRESSED_DATA } from 'apache-arrow/ipc/compression/constants';
import {
  BufferRegion,
  RecordBatch as RecordBatchHeader,
  type DictionaryBatch as DictionaryBatchHeader,
} from 'apache-arrow/ipc/metadata/message';
import { _InternalEmptyPlaceholderRecordBatch as EmptyRecordBatch } from 'apache-arrow/recordbatch';
import { CompressedVectorLoader, VectorLoader } from 'apache-arrow/visitor/vectorloader';
import type { FlightDataFrame } from './flight-data-frame';
import { checkIpcMessageHeader } from './ipc-header-check';

const EMPTY = new Uint8Array(0);

const invalid = (message: string, cause?: unknown): FraiseqlError =>
  new FraiseqlError('FRAISEQL_FLIGHT_DATA_INVALID', `Malformed FlightData: ${message}`, cause === undefined ? {} : { cause });

/**
 * Decodes the FlightData frames of one stream straight into RecordBatches: each header is decoded
 * once by apache-arrow's Message, and the batch's columns are views of the frame's body (no IPC stream
 * is rebuilt, no bytes are queued, joined or copied; a body that is not 8-byte aligned is copied once,
 * as apache-arrow's reader does). The same schema, dictionary and empty-stream handling as
 * apache-arrow's RecordBatchStreamReader; malformed input throws FRAISEQL_FLIGHT_DATA_INVALID.
 */
export class FlightRecordBatchDecoder {
  private schema: Schema | undefined;
  private dictionaries = new Map<number, Vector>();
  private batchesSinceSchema = 0;

  /** The RecordBatch a frame carries; undefined for a schema, a dictionary batch or a frame without a header. */
  decode(frame: FlightDataFrame): RecordBatch | undefined {
    const header = frame.dataHeader;
    // app_metadata-only FlightData (allowed by the Flight protocol) carry no IPC message.
    if (header.byteLength === 0) return undefined;
    let message: Message;
    try {
      checkIpcMessageHeader(header);
      message = Message.decode(header);
    } catch (error) {
      throw error instanceof FraiseqlError ? error : invalid(`the IPC message header does not decode (${describe(error)})`, error);
    }
    try {
      if (message.isSchema()) {
        this.schema = message.header();
        this.dictionaries = new Map();
        this.batchesSinceSchema = 0;
        return undefined;
      }
      const schema = this.schema;
      if (schema === undefined) throw invalid(`a ${message.isRecordBatch() ? 'record' : 'dictionary'} batch came before the schema`);
      const body = messageBody(frame.dataBody, message.bodyLength);
      if (message.isRecordBatch()) {
        const batch = message.header();
        const children = this.loadVectors(batch, body, schema.fields);
        this.batchesSinceSchema++;
        return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.length, children }), message.metadata);
      }
      if (message.isDictionaryBatch()) {
        const dictionaryBatch: DictionaryBatchHeader = message.header();
        const type = schema.dictionaries.get(dictionaryBatch.id);
        if (type === undefined) throw invalid(`a dictionary batch has id ${dictionaryBatch.id}, which the schema does not declare`);
        const data = this.loadVectors(dictionaryBatch.data, body, [type]);
        const previous = this.dictionaries.get(dictionaryBatch.id);
        const vector = previous && dictionaryBatch.isDelta ? previous.concat(new Vector(data)) : new Vector(data);
        this.dictionaries.set(dictionaryBatch.id, vector.memoize());
        return undefined;
      }
      throw invalid(`message type ${message.headerType} is not a schema, record batch or dictionary batch`);
    } catch (error) {
      throw error instanceof FraiseqlError ? error : invalid(`the record batch does not decode (${describe(error)})`, error);
    }
  }

  /** After the last frame: an empty batch of the schema when no batch followed it, as apache-arrow's reader yields. */
  finish(): RecordBatch | undefined {
    if (this.schema === undefined || this.batchesSinceSchema > 0) return undefined;
    this.batchesSinceSchema++;
    return new EmptyRecordBatch(this.schema);
  }

  private loadVectors(header: RecordBatchHeader, body: Uint8Array, types: readonly { type: DataType }[] | DataType[]): Data[] {
    const version = this.schema!.metadataVersion;
    if (header.compression == null) {
      for (const region of header.buffers) {
        if (region.offset < 0 || region.length < 0 || region.offset + region.length > body.byteLength)
          throw invalid(`a buffer (${region.offset}+${region.length}) lies outside the ${body.byteLength}-byte body`);
      }
      return new VectorLoader(body, header.nodes, header.buffers, this.dictionaries, version, header.variadicBufferCounts).visitMany(
        types as DataType[],
      );
    }
    const codec = compressionRegistry.get(header.compression.type);
    if (typeof codec?.decode !== 'function')
      throw invalid(`the body is compressed with codec ${header.compression.type}, which is not registered`);
    const chunks: Uint8Array[] = [];
    const regions: BufferRegion[] = [];
    let offset = 0;
    for (const region of header.buffers) {
      if (region.offset < 0 || region.length < 0 || region.offset + region.length > body.byteLength)
        throw invalid(`a buffer (${region.offset}+${region.length}) lies outside the ${body.byteLength}-byte body`);
      if (region.length === 0) {
        chunks.push(EMPTY);
        regions.push(new BufferRegion(offset, 0));
        continue;
      }
      const compressed = body.subarray(region.offset, region.offset + region.length);
      if (compressed.byteLength < COMPRESS_LENGTH_PREFIX) throw invalid('a compressed buffer has no length prefix');
      const uncompressedLength = new DataView(compressed.buffer, compressed.byteOffset, 8).getBigInt64(0, true);
      const bytes = compressed.subarray(COMPRESS_LENGTH_PREFIX);
      const chunk = uncompressedLength === BigInt(LENGTH_NO_COMPRESSED_DATA) ? bytes : codec.decode(bytes);
      chunks.push(chunk);
      offset += ((offset + 7) & ~7) - offset;
      regions.push(new BufferRegion(offset, chunk.length));
      offset += chunk.length;
    }
    const decompressed = new RecordBatchHeader(header.length, header.nodes, regions, null, header.variadicBufferCounts);
    return new CompressedVectorLoader(
      chunks,
      decompressed.nodes,
      decompressed.buffers,
      this.dictionaries,
      version,
      decompressed.variadicBufferCounts,
    ).visitMany(types as DataType[]);
  }
}

/** The first bodyLength bytes, 8-byte aligned for the typed arrays that view them. */
function messageBody(body: Uint8Array, bodyLength: number): Uint8Array {
  if (bodyLength <= 0) return EMPTY;
  if (body.byteLength < bodyLength) throw invalid(`the header announces a ${bodyLength}-byte body, ${body.byteLength} bytes came`);
  const bytes = body.byteLength === bodyLength ? body : body.subarray(0, bodyLength);
  if (bytes.byteOffset % 8 === 0) return bytes;
  // A copy (Buffer#slice would return a view), in a new buffer and so aligned.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
