import { errors } from '@elastic/elasticsearch';
import { FraiseqlError, RetryableError } from '@fraiseql/errors';

/** Statuses that say "later" rather than "never": overload, timeouts, the node or a shard not ready. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Delay a retry waits when Elasticsearch says nothing (no Retry-After). */
const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * Turns a failed request (the whole request, not a `_bulk` item) into what the caller should do:
 * a `RetryableError` when Elasticsearch is away or overloaded, a `FraiseqlError` FRAISEQL_ELASTICSEARCH_REFUSED
 * when retrying cannot help (credentials, privileges, a missing index, a request it does not accept).
 */
export function toStoreError(error: unknown, what: string): FraiseqlError {
  if (error instanceof FraiseqlError) return error;
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    const cause = errorCauseOf(error.body);
    const details = { status, ...(cause.type ? { type: cause.type } : {}), ...(cause.reason ? { reason: cause.reason } : {}) };
    const said = `${status}${cause.type ? ` ${cause.type}` : ''}${cause.reason ? `: ${cause.reason}` : ''}`;
    if (isRetryableStatus(status)) {
      return new RetryableError('FRAISEQL_ELASTICSEARCH_UNAVAILABLE', `Elasticsearch ${what} failed (${said})`, retryAfterMs(error), {
        cause: error,
        details,
      });
    }
    return new FraiseqlError('FRAISEQL_ELASTICSEARCH_REFUSED', `Elasticsearch refused ${what} (${said})`, { cause: error, details });
  }
  if (error instanceof errors.ProductNotSupportedError) {
    return new FraiseqlError('FRAISEQL_ELASTICSEARCH_REFUSED', `${what}: the server is not Elasticsearch (no x-elastic-product header)`, {
      cause: error,
    });
  }
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    error instanceof errors.RequestAbortedError
  ) {
    return new RetryableError(
      'FRAISEQL_ELASTICSEARCH_UNAVAILABLE',
      `Elasticsearch ${what} failed: ${error.message}`,
      DEFAULT_RETRY_AFTER_MS,
      {
        cause: error,
      },
    );
  }
  return new FraiseqlError('FRAISEQL_INTERNAL', `Elasticsearch ${what} failed unexpectedly`, { cause: error });
}

/** `{ error: { type, reason } }` of an Elasticsearch error body (or of a `_bulk` item). */
export function errorCauseOf(body: unknown): { type?: string; reason?: string } {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return {};
  const { type, reason } = error as { type?: unknown; reason?: unknown };
  return {
    ...(typeof type === 'string' ? { type } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}

function retryAfterMs(error: errors.ResponseError): number {
  const header = error.meta.headers?.['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : DEFAULT_RETRY_AFTER_MS;
}
