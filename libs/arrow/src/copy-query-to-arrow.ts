import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { RecordBatch } from 'apache-arrow';
import { CopyBinaryDecoder } from './copy-binary-decoder';
import { inlineSqlParameters, type SqlParameter } from './inline-sql-parameters';
import { mapPostgresColumn } from './type-mapping';

export interface CopyQueryToArrowOptions {
  /** Rows per RecordBatch; default 16,384. Bounds the memory one batch takes. */
  batchSize?: number;
  /** Also end a batch once its rows took this many bytes (see CopyBinaryDecoderOptions.maxBatchBytes). */
  maxBatchBytes?: number;
}

export const DEFAULT_BATCH_SIZE = 16_384;

/**
 * Streams the result of one SELECT as Arrow RecordBatches, through
 * `COPY (<sql>) TO STDOUT (FORMAT binary)` decoded straight into column buffers.
 *
 * The result description (column names, type OIDs, numeric precision/scale) comes from
 * the same query run with `LIMIT 0`. Parameters are inlined as quoted literals (COPY
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
  const decoder = new CopyBinaryDecoder(columns, {
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    ...(options.maxBatchBytes === undefined ? {} : { maxBatchBytes: options.maxBatchBytes }),
  });
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`));
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const batches = decoder.push(chunk);
    for (let i = 0; i < batches.length; i++) yield batches[i]!;
  }
  for (const batch of decoder.end()) yield batch;
}
