import { RetryableError } from '@fraiseql/errors';
import type { BatchWrite } from '@fraiseql/jetstream-consumer';
import type { SearchStore } from '@fraiseql/search';

/**
 * The search dataplane's batch write: the store indexes the batch idempotently (events by `event_id`, entities by
 * `seq`) and lists the events it refuses for good, which are dead-lettered while the rest is acked.
 */
export function searchBatchWrite(store: SearchStore): BatchWrite {
  return async (events) => store.index(events);
}

/**
 * The store is out (RetryableError), or refuses every request for a reason that is not the data — credentials,
 * privileges, a missing index (FRAISEQL_ELASTICSEARCH_REFUSED): both are waited out with the batch held; dead-lettering
 * events for a configuration error would only make the operator replay them.
 */
export function isSearchOutage(error: unknown): boolean {
  return error instanceof RetryableError || (error as { code?: unknown }).code === 'FRAISEQL_ELASTICSEARCH_REFUSED';
}
