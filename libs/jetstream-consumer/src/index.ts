export { startEventConsumer } from './start-event-consumer';
export { EventBatcher } from './event-batcher';
export type { BatchWrite, BatchWriteReport, EventBatcherOptions, RejectedEvent } from './event-batcher';
export type {
  DrainResult,
  EventConsumer,
  EventConsumerOptions,
  EventContext,
  EventHandler,
  EventParts,
  PartFailure,
} from './start-event-consumer';
export type { DedupOptions, DedupStore } from './dedup-store';
export { errorCodeOf } from './error-code-of';
