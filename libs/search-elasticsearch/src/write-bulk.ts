import type { Client, estypes } from '@elastic/elasticsearch';
import { FraiseqlError, RetryableError } from '@fraiseql/errors';
import type { IndexOutcome } from '@fraiseql/search';
import { mayRetry, retryDelayMs, type RetryPolicy } from '@fraiseql/service-kit';
import { errorCauseOf, isRetryableStatus, toStoreError } from './elasticsearch-failure';
import type { BulkAttemptReport } from './elasticsearch-search-store-options';

/** One action of a `_bulk` (its action line and its document) and the event it comes from. */
export interface BulkAction {
  eventId: string;
  action: estypes.BulkOperationContainer;
  document: object;
}

export interface WriteBulkOptions {
  refresh: boolean | 'wait_for';
  itemRetry: RetryPolicy;
  onBulkAttempt?: (report: BulkAttemptReport) => void;
}

const MAX_REASON_CHARS = 1_000;

/**
 * Sends the actions as one NDJSON `_bulk` and handles each item: done when written or answered 409 (a redelivered
 * event, or an entity document whose stored `seq` is the same or newer), retried with backoff when answered
 * 429/5xx (only those items, again in one `_bulk`), rejected when answered 400 (a document that does not fit the
 * mappings). Items still answered 429/5xx after the last attempt fail the call with a `RetryableError`; any other
 * item status (401, 403, 404) fails it with FRAISEQL_ELASTICSEARCH_REFUSED.
 */
export async function writeBulk(client: Client, actions: readonly BulkAction[], options: WriteBulkOptions): Promise<IndexOutcome> {
  const rejected = new Map<string, { code: string; message: string }>();
  let pending = actions;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const started = process.hrtime.bigint();
    let response: estypes.BulkResponse;
    let bytes = 0;
    try {
      const result = await client.bulk(
        { operations: pending.flatMap((a) => [a.action, a.document]), refresh: options.refresh },
        { meta: true },
      );
      response = result.body;
      const sent = result.meta.request.params.body;
      bytes = typeof sent === 'string' ? Buffer.byteLength(sent) : Buffer.isBuffer(sent) ? sent.length : 0;
    } catch (error) {
      throw toStoreError(error, '_bulk');
    }
    if (response.items.length !== pending.length) {
      throw new FraiseqlError(
        'FRAISEQL_INTERNAL',
        `Elasticsearch _bulk answered ${response.items.length} items for ${pending.length} actions`,
      );
    }
    const retry: BulkAction[] = [];
    let rejectedNow = 0;
    // `errors` is false when every item was written: nothing to look at item by item.
    (response.errors ? response.items : []).forEach((item, i) => {
      const action = pending[i]!;
      const result = Object.values(item)[0] as estypes.BulkResponseItem;
      const { status } = result;
      if ((status >= 200 && status < 300) || status === 409) return;
      if (isRetryableStatus(status)) {
        retry.push(action);
        return;
      }
      const cause = errorCauseOf(result);
      if (status === 400) {
        rejectedNow++;
        const message = `${cause.type ?? 'rejected'}: ${cause.reason ?? 'no reason given'}`.slice(0, MAX_REASON_CHARS);
        if (!rejected.has(action.eventId)) rejected.set(action.eventId, { code: 'FRAISEQL_ELASTICSEARCH_DOCUMENT_REJECTED', message });
        return;
      }
      throw new FraiseqlError(
        'FRAISEQL_ELASTICSEARCH_REFUSED',
        `Elasticsearch refused a _bulk item for ${result._index} (${status}${cause.type ? ` ${cause.type}` : ''}${cause.reason ? `: ${cause.reason}` : ''})`,
        { details: { status, index: result._index, ...cause } },
      );
    });
    options.onBulkAttempt?.({
      attempt,
      actions: pending.length,
      retryable: retry.length,
      rejected: rejectedNow,
      bytes,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    });
    if (retry.length === 0) break;
    const delayMs = retryDelayMs(options.itemRetry, attempt);
    if (!mayRetry(options.itemRetry, attempt)) {
      throw new RetryableError(
        'FRAISEQL_ELASTICSEARCH_UNAVAILABLE',
        `Elasticsearch _bulk: ${retry.length} of ${actions.length} actions still answered 429/5xx after ${attempt} attempts`,
        delayMs,
        { details: { attempts: attempt, pending: retry.length } },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    pending = retry;
  }
  return { rejected: [...rejected].map(([eventId, r]) => ({ eventId, ...r })) };
}
