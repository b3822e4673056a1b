import { Table as ArrowTable, tableToIPC, type RecordBatch } from 'apache-arrow';
import {
  Compression,
  Table as WasmTable,
  transformParquetStream,
  wasmMemory,
  WriterPropertiesBuilder,
  type RecordBatch as WasmRecordBatch,
} from 'parquet-wasm';

/** Rows per Parquet row group: the writer holds one row group (encoded) in WebAssembly memory at a time. */
export const PARQUET_ROW_GROUP_ROWS = 65_536;

/**
 * Encodes RecordBatches as one Parquet file (zstd, a row group every PARQUET_ROW_GROUP_ROWS rows) with
 * parquet-wasm (the Rust `parquet` crate's ArrowWriter in WebAssembly): each batch crosses into WebAssembly
 * as an Arrow IPC message, and the file's bytes come out as each row group is flushed, so neither the rows
 * nor the file are ever whole in memory. The next batch is pulled only when the writer asks for it.
 */
export async function* recordBatchesToParquet(batches: AsyncIterable<RecordBatch>): AsyncGenerator<Uint8Array, void, undefined> {
  const iterator = batches[Symbol.asyncIterator]();
  const input = new ReadableStream<WasmRecordBatch>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) {
          controller.close();
          return;
        }
        for (const batch of toWasm(next.value)) controller.enqueue(batch);
      },
      async cancel(reason) {
        await iterator.throw?.(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
  const properties = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setMaxRowGroupSize(PARQUET_ROW_GROUP_ROWS)
    .setCreatedBy('fraiseql job-export')
    .build();
  const output = (await transformParquetStream(input, properties)) as ReadableStream<Uint8Array>;
  const reader = output.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The batch as parquet-wasm RecordBatches, through one Arrow IPC stream message. */
function toWasm(batch: RecordBatch): WasmRecordBatch[] {
  const table = WasmTable.fromIPCStream(tableToIPC(new ArrowTable(batch), 'stream'));
  try {
    return table.recordBatches();
  } finally {
    // WebAssembly memory is not garbage collected: the table's own copy is freed now, not at some later finalization.
    table.free();
  }
}

/** Bytes of WebAssembly memory parquet-wasm has grown to (it never shrinks): the writer's peak footprint. */
export function parquetWriterMemoryBytes(): number {
  return wasmMemory().buffer.byteLength;
}
