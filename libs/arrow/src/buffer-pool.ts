import type { Data, RecordBatch } from 'apache-arrow';

/** Smallest buffer worth pooling; below it a fresh allocation is as cheap. */
const MIN_POOLED_BYTES = 64 * 1024;
/** Free buffers kept per size, so the pool never holds more than a few batches' worth. */
const MAX_FREE_PER_SIZE = 32;

/**
 * Column buffers handed back by batches the consumer is done with, for the next batches: large
 * ArrayBuffers are what starts V8's full collections when a stream allocates hundreds of MB of
 * them per million rows (ADR 0143). Sizes are rounded up to a power of two so a slightly larger
 * batch still finds a buffer; a reused buffer is zero-filled, like a new one.
 */
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();

  /** An ArrayBuffer of at least `bytes` bytes, all zero. */
  take(bytes: number): ArrayBuffer {
    if (bytes < MIN_POOLED_BYTES) return new ArrayBuffer(bytes);
    const size = sizeClass(bytes);
    const buffer = this.free.get(size)?.pop();
    if (buffer === undefined) return new ArrayBuffer(size);
    new Uint8Array(buffer).fill(0);
    return buffer;
  }

  /** Takes back every buffer of `batch` (its columns and their children); the batch must not be read again. */
  release(batch: RecordBatch): void {
    const seen = new Set<ArrayBufferLike>();
    const visit = (data: Data): void => {
      for (const view of [data.values, data.valueOffsets, data.nullBitmap] as (ArrayBufferView | undefined)[]) {
        if (view && view.byteLength > 0) seen.add(view.buffer);
      }
      for (const child of data.children) visit(child);
    };
    for (const child of batch.data.children) visit(child);
    for (const buffer of seen) {
      const size = buffer.byteLength;
      if (!(buffer instanceof ArrayBuffer) || size < MIN_POOLED_BYTES || size !== sizeClass(size)) continue;
      const list = this.free.get(size) ?? [];
      if (list.length < MAX_FREE_PER_SIZE) list.push(buffer);
      this.free.set(size, list);
    }
  }
}

function sizeClass(bytes: number): number {
  return 2 ** Math.ceil(Math.log2(bytes));
}
