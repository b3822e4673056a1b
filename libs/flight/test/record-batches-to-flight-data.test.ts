import { createHash } from 'node:crypto';
import { recordBatchesToIpcStream } from '@fraiseql/arrow';
import {
  EncodedFlightData,
  FLIGHT_SERVICE,
  ipcStreamToFlightData,
  protocol,
  recordBatchesToFlightData,
  type FlightData,
} from '@fraiseql/flight';
import { Bool, Float64, Int32, RecordBatchReader, Table, Utf8, vectorFromArray, type RecordBatch } from 'apache-arrow';

function sampleTable(): Table {
  const part = (offset: number): Table =>
    new Table({
      id: vectorFromArray([offset + 1, null, offset + 3], new Int32()),
      name: vectorFromArray(['ä', null, `row-${offset}`], new Utf8()),
      price: vectorFromArray([1.5, Number.NaN, null], new Float64()),
      active: vectorFromArray([true, null, false], new Bool()),
    });
  return part(0).concat(part(10), part(20));
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const sha1 = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');
const serialize = (message: FlightData): Buffer => FLIGHT_SERVICE.DoGet.responseSerialize(message);

/** What DoGet sent before ADR 0143: the IPC stream split into frames, each encoded by protobufjs. */
async function referenceMessages(batches: RecordBatch[]): Promise<Buffer[]> {
  const frames = await collect(ipcStreamToFlightData(recordBatchesToIpcStream(batches)));
  return frames.map((frame) =>
    Buffer.from(protocol.FlightData.encode({ dataHeader: frame.dataHeader, dataBody: frame.dataBody }).finish()),
  );
}

describe('recordBatchesToFlightData (DoGet encoding)', () => {
  it('writes the same FlightData bytes protobufjs writes for the framed IPC stream, schema first', async () => {
    const table = sampleTable();
    const messages = await collect(recordBatchesToFlightData(table.batches));
    expect(messages).toHaveLength(1 + table.batches.length);
    expect(messages.map((m) => m.dataBody.byteLength > 0)).toEqual([false, true, true, true]);
    expect(messages.map(serialize)).toEqual(await referenceMessages(table.batches));
    // Header and body are views of the encoded bytes, equal to what protobufjs decodes from them.
    for (const message of messages) {
      const decoded = protocol.FlightData.decode(message.encoded);
      expect(Buffer.from(decoded.dataHeader)).toEqual(Buffer.from(message.dataHeader));
      expect(Buffer.from(decoded.dataBody)).toEqual(Buffer.from(message.dataBody));
      expect(message.dataBody.buffer).toBe(message.encoded.buffer);
    }
  });

  it('passes an EncodedFlightData through the service serializer as it is, and still encodes plain FlightData', async () => {
    const [schema] = await collect(recordBatchesToFlightData(sampleTable().batches));
    expect(schema).toBeInstanceOf(EncodedFlightData);
    expect(serialize(schema!)).toBe(schema!.encoded);
    const plain = { dataHeader: Uint8Array.of(1, 2, 3), dataBody: Uint8Array.of(4) };
    expect(protocol.FlightData.decode(serialize(plain))).toMatchObject({ dataHeader: Buffer.from([1, 2, 3]), dataBody: Buffer.from([4]) });
  });

  it('encodes a body over 2 MiB (four-byte length varint) that a FlightData reader decodes to the same values', async () => {
    const rows = 200_000;
    const big = new Table({
      n: vectorFromArray(Float64Array.from({ length: rows }, (_, i) => i * 1.5)),
      s: vectorFromArray(
        Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? null : `v${i}`)),
        new Utf8(),
      ),
    });
    const messages = await collect(recordBatchesToFlightData(big.batches));
    expect(messages[1]!.dataBody.byteLength).toBeGreaterThan(2 ** 21);
    // Hashes: jest's deep equality of multi-MiB buffers is slow.
    expect(messages.map(serialize).map(sha1)).toEqual((await referenceMessages(big.batches)).map(sha1));
    // apache-arrow's own reader over the IPC stream rebuilt from what protobufjs decodes out of the bytes.
    const ipc: Buffer[] = [];
    for (const m of messages) {
      const d = protocol.FlightData.decode(Buffer.from(m.encoded));
      const prefix = Buffer.alloc(8);
      prefix.writeUInt32LE(0xffffffff, 0);
      prefix.writeInt32LE(d.dataHeader.byteLength, 4);
      ipc.push(prefix, Buffer.from(d.dataHeader), Buffer.from(d.dataBody));
    }
    const decoded = [...RecordBatchReader.from(Buffer.concat(ipc))];
    const table = new Table(decoded);
    expect(table.numRows).toBe(rows);
    expect(table.getChild('n')!.get(rows - 1)).toBe((rows - 1) * 1.5);
    expect(table.getChild('s')!.get(5)).toBeNull();
    expect(table.getChild('s')!.get(7)).toBe('v7');
  });

  it('with reuseBuffers, writes a message into the memory of an earlier one only once that one was serialized', async () => {
    const batches = Array.from(
      { length: 6 },
      (_, b) => new Table({ n: vectorFromArray(Float64Array.from({ length: 1000 }, (_, i) => b * 1000 + i)) }).batches[0]!,
    );
    const expected = (await referenceMessages(batches)).map(sha1);
    // Serialized at once (what DoGet does): same bytes, and the memory comes back.
    const sent: string[] = [];
    const memories = new Set<ArrayBufferLike>();
    for await (const message of recordBatchesToFlightData(batches, { reuseBuffers: true })) {
      sent.push(sha1(serialize(message)));
      memories.add(message.encoded.buffer);
    }
    expect(sent).toEqual(expected);
    expect(memories.size).toBeLessThan(batches.length);
    // Never serialized: every message keeps memory of its own.
    const kept = await collect(recordBatchesToFlightData(batches, { reuseBuffers: true }));
    expect(kept.map((m) => sha1(m.encoded))).toEqual(expected);
    expect(new Set(kept.map((m) => m.encoded.buffer)).size).toBe(kept.length);
  });

  it('sends the schema alone for a stream without batches', async () => {
    const schemaOnly = new Table({ id: vectorFromArray([], new Int32()) });
    const messages = await collect(recordBatchesToFlightData(schemaOnly.batches.slice(0, 0)));
    // No batch: apache-arrow's writer writes no schema either, exactly like the reference path.
    expect(messages.map(serialize)).toEqual(await referenceMessages([]));
  });
});
