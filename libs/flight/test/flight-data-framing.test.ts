import { recordBatchesToIpcStream } from '@fraiseql/arrow';
import { flightDataToIpcStream, flightDataToRecordBatches, ipcStreamToFlightData, type FlightDataFrame } from '@fraiseql/flight';
import { Table, tableFromArrays, vectorFromArray, Utf8, Float64, Int32, Bool } from 'apache-arrow';

function sampleTable(): Table {
  const part = (offset: number): Table =>
    new Table({
      id: vectorFromArray([offset + 1, null, offset + 3], new Int32()),
      name: vectorFromArray(['ä', null, `row-${offset}`], new Utf8()),
      price: vectorFromArray([1.5, 2.25, null], new Float64()),
      active: vectorFromArray([true, null, false], new Bool()),
    });
  return part(0).concat(part(10), part(20));
}

const concat = (chunks: Uint8Array[]): Buffer => Buffer.concat(chunks);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('FlightData framing of Arrow IPC messages', () => {
  it('splits an IPC stream into header/body frames and rebuilds byte-identical IPC', async () => {
    const table = sampleTable();
    const ipc = await collect(recordBatchesToIpcStream(table.batches));
    const frames = await collect(ipcStreamToFlightData(ipc));
    expect(frames).toHaveLength(1 + table.batches.length);
    expect(frames[0]?.dataBody.byteLength).toBe(0);
    expect(frames.slice(1).every((frame) => frame.dataBody.byteLength > 0)).toBe(true);
    expect(concat([...flightDataToIpcStream(frames)]).equals(concat(ipc))).toBe(true);
  });

  it('hands out views of the input bytes, not copies, when a message lies in one chunk', async () => {
    const whole = concat(await collect(recordBatchesToIpcStream(sampleTable().batches)));
    const frames = await collect(ipcStreamToFlightData([whole]));
    for (const frame of frames) {
      expect(frame.dataHeader.buffer).toBe(whole.buffer);
      if (frame.dataBody.byteLength > 0) expect(frame.dataBody.buffer).toBe(whole.buffer);
    }
  });

  it('splits correctly whatever the chunking (one byte at a time)', async () => {
    const whole = concat(await collect(recordBatchesToIpcStream(sampleTable().batches)));
    const bytes = Array.from(whole, (byte) => Uint8Array.of(byte));
    const fromBytes = await collect(ipcStreamToFlightData(bytes));
    const fromWhole = await collect(ipcStreamToFlightData([whole]));
    expect(fromBytes.map((f) => [Buffer.from(f.dataHeader).toString('hex'), Buffer.from(f.dataBody).toString('hex')])).toEqual(
      fromWhole.map((f) => [Buffer.from(f.dataHeader).toString('hex'), Buffer.from(f.dataBody).toString('hex')]),
    );
  });

  it('decodes frames back into RecordBatches with the same values, nulls included', async () => {
    const table = sampleTable();
    const frames = ipcStreamToFlightData(recordBatchesToIpcStream(table.batches));
    const batches = await collect(flightDataToRecordBatches(frames as AsyncIterable<FlightDataFrame>));
    const decoded = new Table(batches);
    expect(batches).toHaveLength(3);
    expect(decoded.toArray().map((row) => row.toJSON())).toEqual(table.toArray().map((row) => row.toJSON()));
  });

  it('refuses a stream cut inside a message', async () => {
    const whole = concat(await collect(recordBatchesToIpcStream(tableFromArrays({ n: Int32Array.of(1, 2, 3) }).batches)));
    await expect(collect(ipcStreamToFlightData([whole.subarray(0, whole.byteLength - 20)]))).rejects.toThrow(/ended inside a message/);
  });
});
