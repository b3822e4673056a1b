import { FraiseqlError } from '@fraiseql/errors';

// Arrow's Message.fbs: table and union member slots, in declaration order.
const MESSAGE = { headerType: 1, header: 2, customMetadata: 4 };
const SCHEMA = { fields: 1, customMetadata: 2, features: 3 };
const FIELD = { children: 5, customMetadata: 6 };
const RECORD_BATCH = { nodes: 1, buffers: 2, variadicBufferCounts: 4 };
const DICTIONARY_BATCH = { data: 1 };
const HEADER_SCHEMA = 1;
const HEADER_DICTIONARY_BATCH = 2;
const HEADER_RECORD_BATCH = 3;
/** FieldNode and Buffer are 16-byte structs; table offsets 4 bytes; int64 8 bytes. */
const STRUCT16 = 16;
const OFFSET = 4;
const INT64 = 8;

const invalid = (message: string): FraiseqlError =>
  new FraiseqlError('FRAISEQL_FLIGHT_DATA_INVALID', `Malformed Arrow IPC message header: ${message}`);

/**
 * Checks an IPC Message flatbuffer before apache-arrow decodes it: every table and every vector the
 * decoder walks (schema fields and their children, custom metadata, a batch's nodes and buffers) lies
 * inside the header. flatbuffers reads past the end as zeros, so without this a garbled vector length
 * would make the decoder loop, and allocate, up to four billion times.
 */
export function checkIpcMessageHeader(header: Uint8Array): void {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const size = header.byteLength;
  if (size < 8) throw invalid(`${size} bytes`);
  let budget = size;

  const table = (at: number, what: string): number => {
    if (at < 0 || at + 4 > size) throw invalid(`the ${what} table lies outside the header`);
    const vtable = at - view.getInt32(at, true);
    if (vtable < 0 || vtable + 4 > size) throw invalid(`the ${what} vtable lies outside the header`);
    const vtableSize = view.getUint16(vtable, true);
    if (vtableSize < 4 || vtable + vtableSize > size) throw invalid(`the ${what} vtable lies outside the header`);
    return at;
  };
  /** The absolute position of a table's field, or 0 when absent. */
  const fieldAt = (at: number, slot: number): number => {
    const vtable = at - view.getInt32(at, true);
    const entry = 4 + slot * 2;
    if (entry + 2 > view.getUint16(vtable, true)) return 0;
    const offset = view.getUint16(vtable + entry, true);
    return offset === 0 ? 0 : at + offset;
  };
  /** Follows an offset field; 0 when absent. */
  const follow = (at: number, slot: number, what: string): number => {
    const field = fieldAt(at, slot);
    if (field === 0) return 0;
    if (field + 4 > size) throw invalid(`the ${what} offset lies outside the header`);
    return field + view.getUint32(field, true);
  };
  /** A vector's element positions' start and its length, checked to fit. */
  const vector = (at: number, slot: number, elementSize: number, what: string): { start: number; length: number } => {
    const start = follow(at, slot, what);
    if (start === 0) return { start: 0, length: 0 };
    if (start + 4 > size) throw invalid(`the ${what} vector lies outside the header`);
    const length = view.getUint32(start, true);
    if (length * elementSize > size - start - 4) throw invalid(`the ${what} vector claims ${length} entries`);
    budget -= length;
    if (budget < 0) throw invalid('more entries than the header can hold');
    return { start: start + 4, length };
  };
  const tables = (at: number, slot: number, what: string, each: (table: number) => void): void => {
    const { start, length } = vector(at, slot, OFFSET, what);
    for (let i = 0; i < length; i++) {
      const element = start + i * OFFSET;
      each(table(element + view.getUint32(element, true), what));
    }
  };
  const field = (at: number): void => {
    tables(at, FIELD.customMetadata, 'field metadata', () => undefined);
    tables(at, FIELD.children, 'field children', field);
  };
  const recordBatch = (at: number): void => {
    vector(at, RECORD_BATCH.nodes, STRUCT16, 'nodes');
    vector(at, RECORD_BATCH.buffers, STRUCT16, 'buffers');
    vector(at, RECORD_BATCH.variadicBufferCounts, INT64, 'variadic buffer counts');
  };

  const message = table(view.getUint32(0, true), 'Message');
  tables(message, MESSAGE.customMetadata, 'message metadata', () => undefined);
  const typeField = fieldAt(message, MESSAGE.headerType);
  const headerType = typeField === 0 ? 0 : typeField < size ? view.getUint8(typeField) : -1;
  const body = follow(message, MESSAGE.header, 'header');
  if (headerType === HEADER_SCHEMA && body !== 0) {
    const schema = table(body, 'Schema');
    tables(schema, SCHEMA.customMetadata, 'schema metadata', () => undefined);
    vector(schema, SCHEMA.features, INT64, 'features');
    tables(schema, SCHEMA.fields, 'fields', field);
  } else if (headerType === HEADER_RECORD_BATCH && body !== 0) {
    recordBatch(table(body, 'RecordBatch'));
  } else if (headerType === HEADER_DICTIONARY_BATCH && body !== 0) {
    const data = follow(table(body, 'DictionaryBatch'), DICTIONARY_BATCH.data, 'dictionary data');
    if (data !== 0) recordBatch(table(data, 'RecordBatch'));
  } else throw invalid(`message type ${headerType} is not a schema, record batch or dictionary batch`);
}
