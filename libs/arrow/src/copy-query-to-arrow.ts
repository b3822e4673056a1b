import type { PoolClient } from 'pg';
import type { RecordBatch } from 'apache-arrow';
import { BufferPool } from './buffer-pool';
import { CopyBinaryDecoder } from './copy-binary-decoder';
import { CopyOutStream } from './copy-out-stream';
import { inlineSqlParameters, type SqlParameter } from './inline-sql-parameters';
import { mapPostgresColumn } from './type-mapping';

export interface CopyQueryToArrowOptions {
  /** Rows per RecordBatch; default 16,384. Bounds the memory one batch takes. */
  batchSize?: number;
  /** Also end a batch once its rows took this many bytes (see CopyBinaryDecoderOptions.maxBatchBytes). */
  maxBatchBytes?: number;
  /**
   * Reuse the column buffers of a batch for later batches once two more batches were pulled: fewer large
   * allocations, so fewer full garbage collections (ADR 0143). Only for a consumer that is done with a
   * batch when it asks for the next one (for example one that copies it into FlightData); default false.
   */
  reuseBuffers?: boolean;
}

/** Batches handed out and not yet given back to the pool (reuseBuffers). */
const REUSE_LAG = 2;

export const DEFAULT_BATCH_SIZE = 16_384;

/**
 * Streams the result of one SELECT as Arrow RecordBatches, through
 * `COPY (<sql>) TO STDOUT (FORMAT binary)` decoded straight into column buffers.
 *
 * The result description (column names, type OIDs, numeric precision/scale) comes from
 * the same query run with `LIMIT 0`. The COPY data is read off the socket by CopyOutStream, and
 * decoded column at a time by CopyBinaryDecoder (ADR 0143). Parameters are inlined as quoted literals (COPY
 * takes no bind parameters; see inlineSqlParameters). Backpressure: the COPY stream is
 * read only as fast as the caller pulls batches, so at most about one batch plus the
 * socket buffers is held in memory whatever the result size.
 *
 * A caller that stops iterating early leaves the connection in the middle of a COPY:
 * release that client with `client.release(true)` so the pool discards it.
 * An empty result yields one empty batch, so the schema always reaches the consumer.
 */
export async function* copyQueryToArrow(
  client: PoolClient,
  sql: string,
  params: readonly SqlParameter[] = [],
  options: CopyQueryToArrowOptions = {},
): AsyncGenerator<RecordBatch, void, undefined> {
  const query = inlineSqlParameters(sql, params).replace(/;\s*$/, '');
  const described = await client.query({ text: `SELECT * FROM (${query}) AS fraiseql_arrow_result LIMIT 0` });
  const columns = described.fields.map((f) => mapPostgresColumn({ name: f.name, typeOid: f.dataTypeID, typeModifier: f.dataTypeModifier }));
  const pool = options.reuseBuffers ? new BufferPool() : undefined;
  const decoder = new CopyBinaryDecoder(columns, {
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    ...(options.maxBatchBytes === undefined ? {} : { maxBatchBytes: options.maxBatchBytes }),
    ...(pool === undefined ? {} : { bufferPool: pool }),
  });
  const handedOut: RecordBatch[] = [];
  const handOut = (batch: RecordBatch): void => {
    if (pool === undefined) return;
    handedOut.push(batch);
    if (handedOut.length > REUSE_LAG) pool.release(handedOut.shift()!);
  };
  const stream = client.query(new CopyOutStream(`COPY (${query}) TO STDOUT (FORMAT binary)`));
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const batches = decoder.push(chunk);
    for (let i = 0; i < batches.length; i++) {
      yield batches[i]!;
      handOut(batches[i]!);
    }
  }
  for (const batch of decoder.end()) yield batch;
}
