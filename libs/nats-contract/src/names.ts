/**
 * Every NATS name the fleet uses (docs/architecture.md, "NATS contract"). No service spells a subject,
 * stream, consumer or bucket by hand: import it from here.
 */

export const CONTRACT_VERSION = 'v1' as const;

/** Request/reply subjects served by the query-executor queue group. */
export const SUBJECTS = {
  query: 'fraiseql.v1.query',
  mutation: 'fraiseql.v1.mutation',
  /** Prefix of entity change events: `fraiseql.v1.events.<org>.<entity>.<op>`. */
  eventsPrefix: 'fraiseql.v1.events',
  /** Prefix of dead letters: `fraiseql.v1.dlq.<source>.<org>.<entity>`. */
  dlqPrefix: 'fraiseql.v1.dlq',
  /**
   * Prefix of dead letters sent back for another try: `fraiseql.v1.replay.<source>.<org>.<entity>` (stream
   * FRAISEQL_REPLAY). Only the consumer named by `<source>` reads them, through its normal path and dedup.
   */
  replayPrefix: 'fraiseql.v1.replay',
  /** Prefix of job lifecycle events: `fraiseql.v1.jobs.<state>.<org>.<job type>` (stream FRAISEQL_JOBS). */
  jobsPrefix: 'fraiseql.v1.jobs',
  /**
   * Prefix of the job API served by the job-runner queue group: `fraiseql.v1.jobs.api.<operation>`, the operation one
   * token (request/reply; never captured by a stream: FRAISEQL_JOBS takes three tokens after `fraiseql.v1.jobs`).
   */
  jobsApiPrefix: 'fraiseql.v1.jobs.api',
  /** Core NATS (no stream; two tokens): a job's cancellation, heard by every job-runner replica. */
  jobsCancel: 'fraiseql.v1.jobs.control.cancel',
  /**
   * Prefix of messages an observer's publish action derives from an event: `fraiseql.v1.published.<org>.<topic>`.
   * No stream of the contract captures it; an operator who wants them durable adds one (libs/observer-actions README).
   */
  publishedPrefix: 'fraiseql.v1.published',
  /** Prefix of the search API served by the sink queue group: `fraiseql.v1.search.<operation>` (request/reply). */
  searchApiPrefix: 'fraiseql.v1.search',
  /** Analytics reads flight-server asks of the sink when ClickHouse is the sink's embedded engine (Arrow IPC replies). */
  analyticsQuery: 'fraiseql.v1.analytics.query',
  /** Prefix of audit entries: `fraiseql.v1.audit.<org>` (stream FRAISEQL_AUDIT; EntityEvent envelopes, ADR 0137). */
  auditPrefix: 'fraiseql.v1.audit',
} as const;

export const QUEUE_GROUPS = {
  queryExecutor: 'query-executor',
  jobRunner: 'job-runner',
  sink: 'sink',
} as const;

export const STREAMS = {
  events: 'FRAISEQL_EVENTS',
  dlq: 'FRAISEQL_DLQ',
  jobs: 'FRAISEQL_JOBS',
  replay: 'FRAISEQL_REPLAY',
  audit: 'FRAISEQL_AUDIT',
} as const;

export const CONSUMERS = {
  observerWorker: 'observer-worker',
  /** observer-worker's consumer of its replayed dead letters (FRAISEQL_REPLAY). */
  observerWorkerReplay: 'observer-worker-replay',
  sinkClickHouse: 'sink-clickhouse',
  sinkSearch: 'sink-search',
  /** query-executor's recorder of audit entries into fraiseql.tb_audit_log (FRAISEQL_AUDIT). */
  queryExecutorAudit: 'query-executor-audit',
  /** sink's indexer of audit entries into the search store (FRAISEQL_AUDIT). */
  sinkAudit: 'sink-audit',
} as const;

export const KV_BUCKETS = {
  schema: 'FRAISEQL_SCHEMA',
  observers: 'FRAISEQL_OBSERVERS',
  /** API keys by key id (hashes only): written by query-executor, watched by gateway and flight-server. */
  apiKeys: 'FRAISEQL_API_KEYS',
  /** Trusted documents by sha256 hex of their text: written by `fraiseql documents push`, watched by gateway (ADR 0134). */
  documents: 'FRAISEQL_DOCUMENTS',
} as const;

/** Key of the active compiled schema inside the FRAISEQL_SCHEMA bucket. */
export const SCHEMA_ACTIVE_KEY = 'active';

/** Message headers the fleet reads and writes. */
export const HEADERS = {
  /** The caller (libs/identity `Caller`): subject, org id (a UUID) and comma-separated roles. */
  subject: 'Fraiseql-Auth-Subject',
  orgId: 'Fraiseql-Auth-Org-Id',
  roles: 'Fraiseql-Auth-Roles',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  requestId: 'Fraiseql-Request-Id',
  /**
   * On a `fraiseql.v1.query`/`.mutation` request: the absolute time (epoch milliseconds) after
   * which the requester no longer waits; the executor skips work it could no longer deliver.
   */
  deadlineEpochMs: 'Fraiseql-Deadline-Epoch-Ms',
  msgId: 'Nats-Msg-Id',
  /** On a `fraiseql.v1.query` reply: the HTTP status it maps to under application/graphql-response+json. */
  status: 'Fraiseql-Status',
  /** On a `fraiseql.v1.query` reply: hash of the compiled schema the executor planned with. */
  schemaHash: 'Fraiseql-Schema-Hash',
  /** On a `fraiseql.v1.query` reply with errors: the code (docs/errors.md) of the first, so both sides count the same failure alike. */
  errorCode: 'Fraiseql-Error-Code',
  /**
   * On a `fraiseql.v1.query` request: heartbeat every this many ms while the request runs
   * (a heartbeat is an empty reply with `Fraiseql-Status: 102`). Absent: no heartbeats.
   */
  heartbeatMs: 'Fraiseql-Heartbeat-Ms',
  /**
   * On a `fraiseql.v1.mutation` request: the client's `Idempotency-Key` (printable ASCII, at most
   * 200 characters). A retry with the same key gets the first response (docs/adr/0082-mutations.md).
   */
  idempotencyKey: 'Idempotency-Key',
  /** On a replayed event: the FRAISEQL_DLQ stream sequence of the dead letter it came from. */
  replayOf: 'Fraiseql-Replay-Of',
  /**
   * On a replayed event: the dead letter's `details.key` when it named one part of the event's work
   * (observer-worker: `<rule>/<action index>`); the consumer then redoes only that part.
   */
  replayKey: 'Fraiseql-Replay-Key',
} as const;

/**
 * Job lifecycle events, each the `<state>` token of `fraiseql.v1.jobs.<state>.<org>.<job type>`: `failed` is one
 * failed attempt (a retry may follow), `dead` the end after the last one (or a permanent error).
 */
export const JOB_STATES = ['queued', 'started', 'progress', 'succeeded', 'failed', 'dead', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Subjects each stream captures (`>` matches one or more tokens). */
export const STREAM_SUBJECTS = {
  events: `${SUBJECTS.eventsPrefix}.>`,
  dlq: `${SUBJECTS.dlqPrefix}.>`,
  // Exactly three tokens (<state>.<org>.<type>): `fraiseql.v1.jobs.>` would also capture the job API's requests
  // (`fraiseql.v1.jobs.api.<operation>`, two tokens), and a subscriber's filter `fraiseql.v1.jobs.*.<org>.*` must be a
  // subset of one stream subject (nats-server 2.9 has no multi-subject filters).
  jobs: `${SUBJECTS.jobsPrefix}.*.*.*`,
  replay: `${SUBJECTS.replayPrefix}.>`,
  audit: `${SUBJECTS.auditPrefix}.>`,
} as const;
