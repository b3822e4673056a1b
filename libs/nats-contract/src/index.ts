export * from './names';
export { escapeSubjectToken, orgFromToken, orgToken, unescapeSubjectToken } from './escape-subject-token';
export {
  auditSubject,
  dlqSubject,
  eventFilterSubject,
  eventSubject,
  jobApiSubject,
  jobFilterSubject,
  jobSubject,
  parseEventSubject,
  parseJobSubject,
  publishedFilterSubject,
  publishedSubject,
  replayFilterSubject,
  replaySubject,
} from './subjects';
export type { EventFilter, EventSubjectParts, JobEventFilter, JobSubjectParts } from './subjects';
export { readCallerHeaders, writeCallerHeaders } from './caller-headers';
export { decodeOperationRequest, encodeOperationRequest, OPERATION_SUBJECTS, readRequestId } from './operation-request';
export type { OperationKind, OperationRequest, OperationRequestBody, OperationRequestMeta } from './operation-request';
export { decodeOperationReply, encodeOperationReply } from './operation-reply';
export type { OperationReply } from './operation-reply';
export {
  heartbeatHeaders,
  isHeartbeat,
  MAX_HEARTBEAT_INTERVAL_MS,
  MIN_HEARTBEAT_INTERVAL_MS,
  readHeartbeatRequest,
  writeHeartbeatRequest,
} from './executor-heartbeat';
export {
  activeTraceparent,
  extractTraceContext,
  injectTraceContext,
  spanContextOf,
  withHandlerSpan,
  withLinkedSpan,
  type LinkedSpanOptions,
  withRequestSpan,
  type MessagingSpanOptions,
} from './trace-context';
export { deadLetterMsgId, decodeDeadLetter, encodeDeadLetter } from './dead-letter';
export type { DeadLetter, DeadLetterAttempt, DeadLetterError, DeadLetterIdentity } from './dead-letter';
export { idempotencyKeyProblem } from './idempotency-key';
export type { ManagedStreamConfig, ProvisionOptions, StreamRetentionOptions } from './stream-configs';
export {
  observerWorkerConsumer,
  observerWorkerReplayConsumer,
  queryExecutorAuditConsumer,
  sinkAuditConsumer,
  sinkClickHouseConsumer,
  sinkSearchConsumer,
} from './consumer-specs';
export type { ConsumerSpec, ConsumerSpecOptions } from './consumer-specs';
export { ensureConsumer } from './ensure-consumer';
export { openKvBucket } from './open-kv-bucket';
export type { KvBucketOptions } from './open-kv-bucket';
export { DEFAULT_SCHEMA_HISTORY, openSchemaBucket } from './open-schema-bucket';
export { openObserversBucket } from './open-observers-bucket';
export { openApiKeysBucket } from './open-api-keys-bucket';
export { openDocumentsBucket } from './open-documents-bucket';
export { provisionJetStream } from './provision-jetstream';
export type { ProvisionResult } from './provision-jetstream';
export type { EnsureOutcome, EnsureStreamOptions } from './ensure-stream';
export { decodeObserverRuleEntry, encodeObserverRuleEntry, observerRuleKey } from './observer-rule-entry';
export type { ObserverRuleEntry } from './observer-rule-entry';
