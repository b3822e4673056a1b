import { RecordBatchStreamWriter, type RecordBatch } from 'apache-arrow';

/**
 * The stream writer with its byte sink replaced by a plain array: each `write` leaves the
 * IPC messages of that batch (views of the batch's own buffers, not copies) in `chunks`.
 */
class CollectingStreamWriter extends RecordBatchStreamWriter {
  chunks: Uint8Array[] = [];

  protected override _write(chunk: ArrayBufferView): this {
    if (this._started && chunk.byteLength > 0) {
      this.chunks.push(chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this._position += chunk.byteLength;
    }
    return this;
  }

  take(): Uint8Array[] {
    const taken = this.chunks;
    this.chunks = [];
    return taken;
  }
}

/**
 * Encodes RecordBatches as an Arrow IPC stream (schema message, one message per batch,
 * end-of-stream marker), pulling the next batch only after the bytes of the previous
 * one were taken, so memory stays bounded by one batch.
 */
export async function* recordBatchesToIpcStream(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const writer = new CollectingStreamWriter();
  for await (const batch of batches) {
    writer.write(batch);
    yield* writer.take();
  }
  writer.finish();
  yield* writer.take();
}
