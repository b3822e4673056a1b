/**
 * The one table of error codes: each stable code with the GraphQL `extensions.code`,
 * HTTP status and gRPC status it maps to. docs/errors.md documents every row; a test
 * keeps the two in step.
 */

/** gRPC status codes (numeric values from the gRPC specification). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];

export interface ErrorCodeSpec {
  http: number;
  grpc: GrpcStatusCode;
  /** One line for docs/errors.md: when the code is raised and what the caller should do. */
  summary: string;
}

const spec = (http: number, grpc: GrpcStatusCode, summary: string): ErrorCodeSpec => ({ http, grpc, summary });

export const ERROR_CODES = {
  // Request documents
  GRAPHQL_PARSE_FAILED: spec(400, GrpcStatus.INVALID_ARGUMENT, 'The GraphQL document is not valid syntax. Fix the document.'),
  GRAPHQL_VALIDATION_FAILED: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'The document does not match the schema (unknown field or argument, wrong type). Fix the document.',
  ),
  BAD_USER_INPUT: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'A variable or argument value is invalid (wrong type, malformed UUID/date, unknown enum). Fix the value.',
  ),
  FRAISEQL_BAD_REQUEST: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'The HTTP request is malformed (no query, bad JSON, unsupported method or content type).',
  ),
  FRAISEQL_OPERATION_NOT_FOUND: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'operationName names no operation in the document, or several operations and no operationName.',
  ),
  FRAISEQL_OPERATION_NOT_SUPPORTED: spec(
    400,
    GrpcStatus.UNIMPLEMENTED,
    'The operation type or HTTP method is not served on this path. A mutation over GET, or PUT/PATCH/DELETE on /graphql, answers 405 with an Allow header (GraphQL over HTTP).',
  ),
  FRAISEQL_ROUTE_NOT_FOUND: spec(
    404,
    GrpcStatus.UNIMPLEMENTED,
    'No HTTP route at this path and method (GraphQL is served at /graphql). Fix the URL.',
  ),
  // Limits
  FRAISEQL_DOCUMENT_TOO_LARGE: spec(
    413,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'The document exceeds the maximum size in bytes (FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES).',
  ),
  FRAISEQL_DEPTH_LIMIT_EXCEEDED: spec(
    400,
    GrpcStatus.RESOURCE_EXHAUSTED,
    "The selection is nested deeper than allowed (FRAISEQL_LIMIT_MAX_DEPTH, or the caller's role limit in FRAISEQL_GRAPHQL_ROLE_LIMITS).",
  ),
  FRAISEQL_COST_LIMIT_EXCEEDED: spec(
    400,
    GrpcStatus.RESOURCE_EXHAUSTED,
    "The estimated cost (list sizes multiplied through, schema `cost` weights) exceeds the limit (FRAISEQL_LIMIT_MAX_COST, or the caller's role limit).",
  ),
  FRAISEQL_NODE_LIMIT_EXCEEDED: spec(
    400,
    GrpcStatus.RESOURCE_EXHAUSTED,
    "The estimated number of returned objects exceeds the limit (FRAISEQL_LIMIT_MAX_NODES, or the caller's role limit). Ask for smaller pages.",
  ),
  FRAISEQL_ALIAS_LIMIT_EXCEEDED: spec(
    400,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'The document uses more aliases than allowed (FRAISEQL_LIMIT_MAX_ALIASES).',
  ),
  // Trusted documents (docs/adr/0134-trusted-documents-and-limits.md)
  FRAISEQL_DOCUMENT_NOT_TRUSTED: spec(
    403,
    GrpcStatus.PERMISSION_DENIED,
    'Strict trusted documents: the document is not registered, or the document id is unknown. Push it (fraiseql documents push).',
  ),
  FRAISEQL_DOCUMENT_NOT_FOUND: spec(
    400,
    GrpcStatus.NOT_FOUND,
    'No trusted document has this id (or trusted documents are off). Send the full document, or push it first.',
  ),
  FRAISEQL_PAGE_TOO_LARGE: spec(400, GrpcStatus.OUT_OF_RANGE, "limit/first/last is above the query's maximum page size, or negative."),
  // Cursors
  FRAISEQL_INVALID_CURSOR: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'The cursor was not issued by this server or was altered. Start again without a cursor.',
  ),
  FRAISEQL_STALE_CURSOR: spec(
    400,
    GrpcStatus.FAILED_PRECONDITION,
    'The cursor was issued for another ordering, query or schema version. Start again without a cursor.',
  ),
  // Auth
  FRAISEQL_UNAUTHENTICATED: spec(
    401,
    GrpcStatus.UNAUTHENTICATED,
    'No valid credentials: the token is missing, malformed, expired or wrongly signed, or the type needs an org.',
  ),
  FRAISEQL_FORBIDDEN: spec(403, GrpcStatus.PERMISSION_DENIED, 'The caller is authenticated but may not do this.'),
  FRAISEQL_API_KEY_NOT_FOUND: spec(404, GrpcStatus.NOT_FOUND, "No API key with this id in the caller's organization."),
  FRAISEQL_AUTH_UNAVAILABLE: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'The identity provider (OIDC discovery or JWKS) or the API key directory could not be reached to verify the credentials. Retry.',
  ),
  // Execution
  FRAISEQL_EXECUTOR_UNAVAILABLE: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'No query-executor answered (none running, or it died mid-request). Retry; safe for queries.',
  ),
  FRAISEQL_TIMEOUT: spec(
    504,
    GrpcStatus.DEADLINE_EXCEEDED,
    'The operation did not finish in time (gateway timeout or PostgreSQL statement_timeout).',
  ),
  FRAISEQL_OVERLOADED: spec(503, GrpcStatus.RESOURCE_EXHAUSTED, 'Too many operations in flight; refused early. Retry after a short delay.'),
  FRAISEQL_SCHEMA_UNAVAILABLE: spec(503, GrpcStatus.UNAVAILABLE, 'The service has no compiled schema loaded yet.'),
  FRAISEQL_IDEMPOTENCY_KEY_REUSED: spec(
    409,
    GrpcStatus.FAILED_PRECONDITION,
    'The Idempotency-Key was already used for another operation, other variables or another caller. Use a new key per distinct mutation.',
  ),
  FRAISEQL_SUBSCRIBER_TOO_SLOW: spec(
    429,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'A subscriber read its WebSocket slower than events arrived and its queue reached FRAISEQL_GATEWAY_SUBSCRIPTION_MAX_QUEUE; the socket was closed with 4429. Read faster or narrow the filter, then resubscribe.',
  ),
  FRAISEQL_SUBSCRIPTION_LIMIT_EXCEEDED: spec(
    429,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'The WebSocket connection already has FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions. Complete one first or open another connection.',
  ),
  // Rate limits (docs/adr/0133-rate-limits.md)
  FRAISEQL_RATE_LIMITED: spec(
    429,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'The caller (its principal, API key or role) or its client address made more requests than its allowance in the current window (FRAISEQL_RATE_LIMIT_*). Wait for Retry-After (HTTP header, gRPC `retry-after` trailer, seconds) and retry.',
  ),
  FRAISEQL_SCHEMA_MISMATCH: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'Gateway and executor hold different schema versions (a reload is in progress). Retry.',
  ),
  // PostgreSQL
  FRAISEQL_DB_UNAVAILABLE: spec(503, GrpcStatus.UNAVAILABLE, 'PostgreSQL could not be reached or refused the connection.'),
  FRAISEQL_DB_INVALID_INPUT: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'PostgreSQL rejected a value (invalid text representation, out of range, bad date).',
  ),
  FRAISEQL_DB_CONSTRAINT_VIOLATION: spec(409, GrpcStatus.ALREADY_EXISTS, 'A unique, foreign-key or check constraint was violated.'),
  FRAISEQL_DB_UNDEFINED_OBJECT: spec(
    500,
    GrpcStatus.INTERNAL,
    'A view, column or function the compiled schema names does not exist: migrations and schema are out of step.',
  ),
  FRAISEQL_DB_PERMISSION_DENIED: spec(403, GrpcStatus.PERMISSION_DENIED, 'PostgreSQL refused access (privileges or row-level security).'),
  FRAISEQL_DB_SERIALIZATION_FAILURE: spec(
    409,
    GrpcStatus.ABORTED,
    'A serialization failure or deadlock; the transaction was rolled back. Retry.',
  ),
  FRAISEQL_DB_ERROR: spec(500, GrpcStatus.INTERNAL, 'Any other PostgreSQL error.'),
  // Config and internal
  FRAISEQL_CONFIG_INVALID: spec(
    500,
    GrpcStatus.FAILED_PRECONDITION,
    'A configuration key is unknown or has a bad value; the service does not start.',
  ),
  FRAISEQL_SCHEMA_COMPILE_FAILED: spec(
    500,
    GrpcStatus.FAILED_PRECONDITION,
    'The authored schema is invalid; the message names the type and field.',
  ),
  FRAISEQL_SCHEMA_INVALID: spec(
    500,
    GrpcStatus.FAILED_PRECONDITION,
    'A compiled schema file or KV entry is malformed or has the wrong format version.',
  ),
  FRAISEQL_BAD_MESSAGE: spec(400, GrpcStatus.INVALID_ARGUMENT, 'A NATS message (request or header) is malformed.'),
  FRAISEQL_INTERNAL: spec(500, GrpcStatus.INTERNAL, 'An unexpected error. It is logged with the request id.'),
  // Migrations
  FRAISEQL_MIGRATION_CHECKSUM_MISMATCH: spec(
    500,
    GrpcStatus.FAILED_PRECONDITION,
    'An applied migration file was edited (its sha256 differs from the recorded one). Restore it; add a new migration instead.',
  ),
  FRAISEQL_MIGRATION_FAILED: spec(
    500,
    GrpcStatus.FAILED_PRECONDITION,
    'A migration failed and was rolled back (nothing of it was recorded). The message names the file; fix it and run again.',
  ),
  FRAISEQL_PROVISION_FAILED: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'A provision run (`node service/provision.js`: migrations, streams, KV buckets, consumers) did not finish within its time bound, or hit an error retrying cannot fix. The message names the last failure and its code; the run exits 1.',
  ),
  // Flight tickets
  FRAISEQL_TICKET_INVALID: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'A Flight ticket is too large, malformed, of an unknown format version, or asks for something invalid (bad identifier, operator, limit, time range). Request a new ticket.',
  ),
  FRAISEQL_TICKET_FORGED: spec(
    401,
    GrpcStatus.UNAUTHENTICATED,
    'A Flight ticket was not issued by this server or was altered (bad signature). Request a new ticket with GetFlightInfo.',
  ),
  FRAISEQL_TICKET_EXPIRED: spec(
    401,
    GrpcStatus.UNAUTHENTICATED,
    'A Flight ticket is past its expiry time. Request a new ticket with GetFlightInfo.',
  ),
  FRAISEQL_TICKET_WRONG_PRINCIPAL: spec(
    403,
    GrpcStatus.PERMISSION_DENIED,
    'A Flight ticket was issued to another subject or organization than the caller. Tickets cannot be shared.',
  ),
  // Arrow Flight
  FRAISEQL_DATASET_NOT_FOUND: spec(
    404,
    GrpcStatus.NOT_FOUND,
    'The Flight descriptor names no dataset of the compiled schema (va_*/ta_* dataset, list query or event history). ListFlights shows what exists.',
  ),
  FRAISEQL_PUT_SCHEMA_MISMATCH: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'The Arrow schema of a DoPut does not fit the target ta_* table (unknown column, incompatible type, missing non-null column); nothing was written.',
  ),
  FRAISEQL_EVENTS_UNAVAILABLE: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'The event stream FRAISEQL_EVENTS cannot be read: NATS is unreachable or the stream is not provisioned yet (query-executor creates it at start). Retry.',
  ),
  FRAISEQL_STREAM_CANCELLED: spec(
    499,
    GrpcStatus.CANCELLED,
    'The Flight stream was cancelled (by the cancel action or by the client); its PostgreSQL query was cancelled and nothing was written.',
  ),
  FRAISEQL_STREAM_LIMIT_EXCEEDED: spec(
    429,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'The principal already has FRAISEQL_FLIGHT_MAX_STREAMS_PER_PRINCIPAL Flight streams open on this server. Finish or cancel one, then retry.',
  ),
  FRAISEQL_ROW_LIMIT_EXCEEDED: spec(
    400,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'A DoGet reached FRAISEQL_FLIGHT_MAX_ROWS_PER_TICKET rows and was stopped there (the rows sent are the first ones, the stream ends with this error). Ask for fewer rows: a filter, fewer partitions per ticket, or a smaller time range.',
  ),
  FRAISEQL_FLIGHT_DATA_INVALID: spec(
    502,
    GrpcStatus.DATA_LOSS,
    'The Flight client received a FlightData it cannot decode (truncated or malformed protobuf, Arrow IPC header or body, a batch before its schema, buffers outside the body). The stream is cancelled; the server or something between is at fault.',
  ),
  // Observers
  FRAISEQL_OBSERVER_INVALID: spec(
    422,
    GrpcStatus.INVALID_ARGUMENT,
    'An observer rule is refused (details.problems lists each { path, message }): bad shape, unknown entity, field or event type, a condition or template that does not parse or type-check, a credential given literally. Fix the rule.',
  ),
  FRAISEQL_OBSERVER_RENDER_FAILED: spec(
    422,
    GrpcStatus.FAILED_PRECONDITION,
    'An observer action could not be rendered for an event (details.path names the member): a reference not set, a template over its time or size limit, a JSON body that is not JSON, a line break in a header. Not retried; the event goes to the DLQ.',
  ),
  FRAISEQL_OBSERVER_NOT_FOUND: spec(
    404,
    GrpcStatus.NOT_FOUND,
    'No observer rule of that name is in force (`fraiseql observers test <rule>`): not in the compiled schema, nor an admin rule of FRAISEQL_OBSERVERS. `fraiseql observers list` shows the names.',
  ),
  FRAISEQL_EVENT_FILE_INVALID: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'The event file given to `fraiseql observers test --event` cannot be read, is not JSON, or is not a valid EntityEvent (the message names the field). Fix the file.',
  ),
  FRAISEQL_NATS_UNAVAILABLE: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'A command line tool could not reach the NATS server it was pointed at (--nats-url or FRAISEQL_NATS_URL). Check the URL and that nats-server runs with JetStream.',
  ),
  // Event consumers (libs/jetstream-consumer)
  FRAISEQL_PERMANENT_FAILURE: spec(
    422,
    GrpcStatus.FAILED_PRECONDITION,
    'Handling an event or job failed in a way that retrying cannot fix (UnrecoverableError); it was dead-lettered after one attempt. Fix the cause, then replay it from FRAISEQL_DLQ.',
  ),
  FRAISEQL_DEAD_LETTER_FAILED: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'A dead letter could not be written to FRAISEQL_DLQ (JetStream unavailable); the message was not acked and is delivered again later.',
  ),
  FRAISEQL_DEAD_LETTER_NOT_FOUND: spec(
    404,
    GrpcStatus.NOT_FOUND,
    "No dead letter with this FRAISEQL_DLQ sequence (details.seqs lists them): never written, purged, or another organization's (indistinguishable). List the letters again.",
  ),
  // Observer action delivery (libs/observer-actions): `retryable` codes are retried by the observer's retry policy, the others are not
  FRAISEQL_ACTION_INVALID: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'The rendered action cannot be sent (bad URL or scheme, no recipient, malformed subscription, forbidden header). Permanent: fix the rule.',
  ),
  FRAISEQL_ACTION_BLOCKED: spec(
    403,
    GrpcStatus.PERMISSION_DENIED,
    'The target resolves to a private, loopback, link-local, unspecified, multicast or cloud-metadata address that the SSRF allowlist does not name. Permanent: allow the host or CIDR explicitly if it is intended.',
  ),
  FRAISEQL_ACTION_REJECTED: spec(
    502,
    GrpcStatus.FAILED_PRECONDITION,
    'The receiver refused the action for good (HTTP 4xx other than 408/425/429, or 3xx; SMTP 5xx; Slack or Twilio error). Permanent: the reason says what the receiver answered.',
  ),
  FRAISEQL_ACTION_GONE: spec(
    410,
    GrpcStatus.NOT_FOUND,
    'The push subscription no longer exists (push service answered 404 or 410). Permanent: delete the subscription.',
  ),
  FRAISEQL_ACTION_RECEIVER_ERROR: spec(
    502,
    GrpcStatus.UNAVAILABLE,
    'The receiver failed temporarily (HTTP 5xx, 408 or 425; SMTP 4xx). Retryable.',
  ),
  FRAISEQL_ACTION_THROTTLED: spec(
    429,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'The receiver asked to slow down (HTTP 429). Retryable, not before its Retry-After when it sent one.',
  ),
  FRAISEQL_ACTION_TIMEOUT: spec(
    504,
    GrpcStatus.DEADLINE_EXCEEDED,
    'The receiver did not answer within the action timeout. Retryable; the idempotency key lets the receiver drop a duplicate.',
  ),
  FRAISEQL_ACTION_UNREACHABLE: spec(
    502,
    GrpcStatus.UNAVAILABLE,
    'The receiver could not be reached (DNS failure, connection refused or reset, TLS failure). Retryable.',
  ),
  FRAISEQL_ACTION_HOST_BUSY: spec(
    503,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'The per-host bulkhead is full (actions in flight and queued to this host reached their bound). Retryable after a short delay.',
  ),
  FRAISEQL_CIRCUIT_OPEN: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    "The target host's circuit breaker is open after consecutive failures; the action was not sent. Retryable after the cooldown.",
  ),
  FRAISEQL_ACTION_FAILED: spec(
    500,
    GrpcStatus.INTERNAL,
    'The action failed for a reason no other code describes (the cause is logged). Retryable.',
  ),
  // Jobs (job-runner)
  FRAISEQL_JOB_RUNNER_UNAVAILABLE: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'No job-runner answered the job API request (none running, or it did not reply in time). Retry; an enqueue with the same job id never makes a second job.',
  ),
  FRAISEQL_SINK_UNAVAILABLE: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'No sink answered the search API or analytics request (none running, or it did not reply in time). Retry shortly.',
  ),
  FRAISEQL_CLICKHOUSE_UNAVAILABLE: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'ClickHouse could not be reached, was overloaded, or refused the request for a reason that is not the data (credentials, a missing table, a statement it does not accept); details carry its error code. The sink holds the batch and writes it again when ClickHouse answers.',
  ),
  FRAISEQL_CLICKHOUSE_REFUSED: spec(
    422,
    GrpcStatus.FAILED_PRECONDITION,
    "ClickHouse refused an event's row for good (a value its column cannot take; details carry ClickHouse's error code): the event was dead-lettered and the rest of its batch written. Fix the data or the table, then replay it.",
  ),
  FRAISEQL_JOB_NOT_FOUND: spec(
    404,
    GrpcStatus.NOT_FOUND,
    "No job with this id in the caller's organization (never created, removed, or another organization's: indistinguishable).",
  ),
  FRAISEQL_JOB_TYPE_UNKNOWN: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'No job type of that name is registered in the job-runner (docs/jobs.md lists them).',
  ),
  FRAISEQL_JOB_PAYLOAD_INVALID: spec(
    400,
    GrpcStatus.INVALID_ARGUMENT,
    "A job's payload is refused before any work starts (the message and details.path name the field): it does not match its type's schema, or names an unknown view or column, a filter value of the wrong type, a tenant view for a job without an org. Nothing was enqueued or written; fix the payload.",
  ),
  FRAISEQL_JOB_STATE_CONFLICT: spec(
    409,
    GrpcStatus.FAILED_PRECONDITION,
    'The job is not in a state that allows this (cancel a finished job, retry a queued one, download before it succeeded). Read the job again.',
  ),
  FRAISEQL_JOB_TIMEOUT: spec(
    504,
    GrpcStatus.DEADLINE_EXCEEDED,
    "An attempt ran past its job type's hard timeout and was aborted. Counts as a failed attempt; retried by the type's policy.",
  ),
  FRAISEQL_JOB_STALLED: spec(
    500,
    GrpcStatus.ABORTED,
    "The job's worker stopped (killed, out of memory, lost Redis) while running it more times than FRAISEQL_JOB_MAX_STALLED allows: the job is dead. Look at why the job-runner replicas died; retry the job once fixed.",
  ),
  FRAISEQL_DOWNLOAD_TOKEN_INVALID: spec(
    403,
    GrpcStatus.PERMISSION_DENIED,
    'An export download link was not issued by this deployment, was altered or is malformed. Ask for a new one (exportDownload).',
  ),
  FRAISEQL_DOWNLOAD_TOKEN_EXPIRED: spec(
    410,
    GrpcStatus.UNAUTHENTICATED,
    'An export download link is past its expiry. Ask for a new one (exportDownload).',
  ),
  FRAISEQL_EXPORT_FILE_GONE: spec(
    410,
    GrpcStatus.NOT_FOUND,
    "The export's file is no longer in the export store (removed by retention or by hand). Run the export again.",
  ),
  FRAISEQL_JOB_CANCELLED: spec(
    409,
    GrpcStatus.CANCELLED,
    'The job was cancelled (cancelJob, `fraiseql jobs cancel`); a running attempt was aborted. Not retried.',
  ),
  FRAISEQL_EXPORT_STORE_FAILED: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'The export store (local directory or S3 bucket) could not write, read, stat or delete an object; the partial file was removed. Retryable once the store is reachable again.',
  ),
  // Elasticsearch search store (libs/search-elasticsearch)
  FRAISEQL_ELASTICSEARCH_UNAVAILABLE: spec(
    503,
    GrpcStatus.UNAVAILABLE,
    'Elasticsearch could not be reached, timed out, or answered 429/5xx (for the whole request, or for documents of a _bulk still refused after the retries). Retryable: writes are idempotent, so the batch is written again whole.',
  ),
  FRAISEQL_ELASTICSEARCH_REFUSED: spec(
    500,
    GrpcStatus.FAILED_PRECONDITION,
    'Elasticsearch refused a request for a reason retrying cannot fix (401/403 credentials or privileges, 404 missing index or data stream, 400 a request it does not accept, not Elasticsearch at all); details carry its status, error type and reason. Fix the configuration (credentials, `prepare`), then retry.',
  ),
  FRAISEQL_ELASTICSEARCH_DOCUMENT_REJECTED: spec(
    422,
    GrpcStatus.FAILED_PRECONDITION,
    "Elasticsearch refused an event's document for good (mapper_parsing_exception, document_parsing_exception, strict_dynamic_mapping_exception, …: a value does not fit the mapping); the event was dead-lettered and the rest of its batch written. Fix the data or the mapping (a new migrations/elasticsearch file), then replay it.",
  ),
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}
