export { startEventConsumer } from './start-event-consumer';
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
