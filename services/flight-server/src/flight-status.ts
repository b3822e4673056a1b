import { Metadata } from '@grpc/grpc-js';
import { Table, tableToIPC, type Schema } from 'apache-arrow';
import { ERROR_CODES, FraiseqlError, mapPgError, type ErrorCode } from '@fraiseql/errors';
import { ERROR_CODE_TRAILER } from '@fraiseql/flight';
import { GraphqlRequestError } from '@fraiseql/query-planner';
import type { Logger } from '@fraiseql/service-kit';

/** Planner refusals keep their code and all their messages; the rest through mapPgError (not PostgreSQL's → FRAISEQL_INTERNAL). */
export function asFraiseqlError(error: unknown): FraiseqlError {
  if (error instanceof FraiseqlError) return error;
  if (error instanceof GraphqlRequestError) {
    return new FraiseqlError(error.code, error.errors.map((e) => e.message).join('; '), { details: { errors: error.errors } });
  }
  return mapPgError(error);
}

/** What a FraiseqlError becomes on the wire: its gRPC status, message, and the code as a trailer (`errorCode` for the metrics). */
export function toServiceError(error: unknown): { code: number; details: string; metadata: Metadata; errorCode: ErrorCode } {
  const fraiseql = asFraiseqlError(error);
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_TRAILER, fraiseql.code);
  return { code: ERROR_CODES[fraiseql.code].grpc, details: fraiseql.message, metadata, errorCode: fraiseql.code };
}

/** The Arrow IPC encapsulated Schema message (continuation, length, flatbuffer), as FlightInfo.schema wants it. */
export function schemaMessage(schema: Schema): Uint8Array {
  const stream = tableToIPC(new Table(schema), 'stream');
  return stream.subarray(0, stream.byteLength - 8);
}

/** A google.protobuf.Timestamp. */
export function timestamp(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** Resolves on the stream's drain, or when the call is cancelled or closed. */
export function drained(call: NodeJS.EventEmitter & { cancelled?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.once('drain', done);
    call.once('cancelled', done);
    call.once('close', done);
  });
}

/** Logs a failed call: 5xx-class codes as errors, the caller's mistakes as info. */
export function logFailure(logger: Logger, rpc: string, error: unknown): void {
  const fraiseql = asFraiseqlError(error);
  const level = ERROR_CODES[fraiseql.code].http >= 500 ? 'error' : 'info';
  logger[level]({ rpc, code: fraiseql.code, err: error }, `${rpc} failed: ${fraiseql.message}`);
}
