import { createHash } from 'node:crypto';
import type { NatsConnection } from 'nats';
import type { Pool } from 'pg';
import type { RecordBatch } from 'apache-arrow';
import { recordBatchesToIpcStream } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { orgToken } from '@fraiseql/nats-contract';
import type { QueryPlanner } from '@fraiseql/query-planner';
import { validateExportPayload, type ExportFormat, type ExportPayload } from './export-payload';
import { exportReadPlan } from './export-read-rules';
import type { ExportStore } from './export-store';
import { flattenSelection, planGraphqlExport } from './plan-graphql-export';
import { readEventBatches } from './read-event-batches';
import { readViewBatches } from './read-view-batches';
import { buildViewExportQuery } from './view-export-query';
import { recordBatchesToCsv } from './write-csv';
import { recordBatchesToParquet } from './write-parquet';

export interface ExportJobContext {
  /** The job's org: every read is scoped to it. */
  orgId: string | null;
  /** Names the file: `<org>/<jobId>.<extension>`. */
  jobId: string;
  /**
   * Abort ⇒ reading stops (the COPY is cancelled, the consumer deleted), the partial file is removed,
   * and runExport rejects with the signal's reason.
   */
  signal: AbortSignal;
  /**
   * Who asked for the export (the job's creator): a graphql source is planned with its org and roles. Required
   * for `source.kind: 'graphql'`.
   */
  caller?: Caller;
  /** Called at most every PROGRESS_EVERY_ROWS rows or PROGRESS_EVERY_MS, and once at the end. */
  progress(update: { rows: number; totalRows?: number }): Promise<void> | void;
}

export interface ExportDependencies {
  pool: Pool;
  /** Needed for `source.kind: 'events'`. */
  nc?: NatsConnection;
  /** The planner of the current compiled schema; needed for `source.kind: 'graphql'`. */
  planner?: () => QueryPlanner;
  store: ExportStore;
}

export interface ExportResult {
  format: ExportFormat;
  /** The object's key in the store. */
  key: string;
  /** Where the store put it: an absolute path, or `s3://bucket/key`. */
  location: string;
  sizeBytes: number;
  rows: number;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  contentType: string;
}

export const PROGRESS_EVERY_ROWS = 100_000;
export const PROGRESS_EVERY_MS = 1000;

const FORMATS: Record<ExportFormat, { extension: string; contentType: string }> = {
  parquet: { extension: 'parquet', contentType: 'application/vnd.apache.parquet' },
  arrow: { extension: 'arrows', contentType: 'application/vnd.apache.arrow.stream' },
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8' },
};

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Runs one export: checks the payload and its names (nothing is written for a bad one), streams the
 * source's record batches through the format's writer into the store with backpressure (memory stays
 * about one batch plus the writer's buffer), and hashes, measures and counts on the way.
 */
export async function runExport(payload: ExportPayload, context: ExportJobContext, deps: ExportDependencies): Promise<ExportResult> {
  const checked = validateExportPayload(payload);
  if (!JOB_ID.test(context.jobId)) {
    throw new FraiseqlError('FRAISEQL_JOB_PAYLOAD_INVALID', `context.jobId: must match ${JOB_ID.source}`, {
      details: { path: 'context.jobId' },
    });
  }
  context.signal.throwIfAborted();
  const { extension, contentType } = FORMATS[checked.format];
  const key = `${orgToken(context.orgId)}/${context.jobId}.${extension}`;

  let batches: AsyncIterable<RecordBatch>;
  let source = checked.source;
  let masked: string[] = [];
  // Without a compiled schema no rule is known; with one, views and events obey the read rules (ADR 0136).
  if (source.kind !== 'graphql' && deps.planner !== undefined && context.caller !== undefined)
    ({ source, masked } = exportReadPlan(deps.planner().compiled, source, context.caller));
  if (source.kind === 'view') {
    const query = await buildViewExportQuery(deps.pool, source, context.orgId, masked);
    batches = readViewBatches(deps.pool, query, { orgId: context.orgId, signal: context.signal });
  } else if (source.kind === 'graphql') {
    if (deps.planner === undefined)
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', 'A graphql export needs the compiled schema (deps.planner)');
    if (context.caller === undefined)
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', 'A graphql export is planned for its creator (context.caller)');
    const planned = planGraphqlExport(deps.planner(), source, context.caller);
    const rows = readViewBatches(deps.pool, planned, { orgId: context.orgId, signal: context.signal });
    batches = mapBatches(rows, (batch) => flattenSelection(batch, planned.columns));
  } else {
    if (deps.nc === undefined) throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', 'An events export needs a NATS connection (deps.nc)');
    batches = readEventBatches(deps.nc, source, { orgId: context.orgId, signal: context.signal });
  }

  const progress = new ProgressReporter(context);
  const counted = countRows(batches, progress, context.signal);
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const bytes = hashed(encode(checked.format, counted), hash, (n) => (sizeBytes += n), context.signal);

  let stored: { location: string; sizeBytes: number };
  try {
    stored = await deps.store.put(key, bytes, contentType);
  } catch (error) {
    // The store leaves nothing on a failed put; deleting again covers a store that does not promise it.
    await deps.store.delete(key).catch(() => undefined);
    if (context.signal.aborted) throw context.signal.reason;
    throw error;
  }
  if (context.signal.aborted) {
    await deps.store.delete(key).catch(() => undefined);
    throw context.signal.reason;
  }
  await progress.finish();
  return {
    format: checked.format,
    key,
    location: stored.location,
    sizeBytes,
    rows: progress.rows,
    sha256: hash.digest('hex'),
    contentType,
  };
}

function encode(format: ExportFormat, batches: AsyncIterable<RecordBatch>): AsyncIterable<Uint8Array> {
  switch (format) {
    case 'arrow':
      return recordBatchesToIpcStream(batches);
    case 'csv':
      return recordBatchesToCsv(batches);
    case 'parquet':
      return recordBatchesToParquet(batches);
  }
}

async function* mapBatches(batches: AsyncIterable<RecordBatch>, map: (batch: RecordBatch) => RecordBatch): AsyncGenerator<RecordBatch> {
  for await (const batch of batches) yield map(batch);
}

async function* countRows(
  batches: AsyncIterable<RecordBatch>,
  progress: ProgressReporter,
  signal: AbortSignal,
): AsyncGenerator<RecordBatch> {
  for await (const batch of batches) {
    signal.throwIfAborted();
    yield batch;
    await progress.add(batch.numRows);
  }
}

async function* hashed(
  chunks: AsyncIterable<Uint8Array>,
  hash: ReturnType<typeof createHash>,
  count: (n: number) => void,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    signal.throwIfAborted();
    hash.update(chunk);
    count(chunk.byteLength);
    yield chunk;
  }
}

/** Calls context.progress when PROGRESS_EVERY_ROWS rows or PROGRESS_EVERY_MS passed since the last call. */
class ProgressReporter {
  rows = 0;
  private reportedRows = 0;
  private reportedAt = Date.now();

  constructor(private readonly context: ExportJobContext) {}

  async add(rows: number): Promise<void> {
    this.rows += rows;
    if (this.rows - this.reportedRows >= PROGRESS_EVERY_ROWS || Date.now() - this.reportedAt >= PROGRESS_EVERY_MS) await this.report();
  }

  async finish(): Promise<void> {
    if (this.rows !== this.reportedRows || this.rows === 0) await this.report();
  }

  private async report(): Promise<void> {
    this.reportedRows = this.rows;
    this.reportedAt = Date.now();
    await this.context.progress({ rows: this.rows });
  }
}
