import { FraiseqlError } from '@fraiseql/errors';
import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type StreamConfig } from 'nats';
import { STREAMS, STREAM_SUBJECTS } from './names';

export interface StreamRetentionOptions {
  /** Messages older than this are removed. 0 = no age limit. */
  maxAgeMs?: number;
  /** Stream size cap in bytes (oldest removed first). -1 = no size limit. */
  maxBytes?: number;
}

export interface ProvisionOptions {
  /** JetStream replicas of every stream and bucket. Default 1 (a single server). */
  replicas?: number;
  /** FRAISEQL_EVENTS. Default: 7 days, no size limit, 15 min duplicate window. */
  events?: StreamRetentionOptions & {
    /** JetStream drops a second publish with the same Nats-Msg-Id (event_id) within this window. At least 10 min. */
    duplicateWindowMs?: number;
  };
  /** FRAISEQL_DLQ. Default: 30 days, no size limit. */
  dlq?: StreamRetentionOptions;
  /** FRAISEQL_JOBS. Default: 7 days, no size limit. */
  jobs?: StreamRetentionOptions;
  /** FRAISEQL_REPLAY. Default: 7 days, no size limit. */
  replay?: StreamRetentionOptions;
  /** FRAISEQL_AUDIT. Default: 90 days, no size limit, the events' duplicate window (ADR 0137). */
  audit?: StreamRetentionOptions;
  /** Revisions kept per key in FRAISEQL_SCHEMA (for rollback). Default 10. */
  schemaHistory?: number;
}

const DAY_MS = 86_400_000;
export const MIN_DUPLICATE_WINDOW_MS = 10 * 60_000;
export const DEFAULT_DUPLICATE_WINDOW_MS = 15 * 60_000;

/** The fields provisioning owns; anything else on a stream is left as the operator set it. */
export type ManagedStreamConfig = Pick<
  StreamConfig,
  'name' | 'subjects' | 'storage' | 'retention' | 'discard' | 'max_age' | 'max_bytes' | 'num_replicas' | 'duplicate_window' | 'description'
>;

/** The streams of the contract, built from the options (defaults filled, limits checked). */
export function streamConfigs(options: ProvisionOptions = {}): ManagedStreamConfig[] {
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) invalid(`replicas must be an integer from 1 to 5, got ${replicas}`);
  const duplicateWindowMs = options.events?.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  if (!(duplicateWindowMs >= MIN_DUPLICATE_WINDOW_MS)) {
    invalid(`events.duplicateWindowMs must be at least ${MIN_DUPLICATE_WINDOW_MS} ms (10 min), got ${duplicateWindowMs}`);
  }
  const eventsMaxAge = options.events?.maxAgeMs ?? 7 * DAY_MS;
  // JetStream requires the duplicate window to fit inside max_age.
  if (eventsMaxAge > 0 && eventsMaxAge < duplicateWindowMs) {
    invalid(`events.maxAgeMs (${eventsMaxAge}) must be 0 or at least the duplicate window (${duplicateWindowMs})`);
  }
  const base = (
    name: string,
    subject: string,
    description: string,
    retention: StreamRetentionOptions | undefined,
    defaultAgeMs: number,
  ) => {
    const maxAgeMs = retention?.maxAgeMs ?? defaultAgeMs;
    const maxBytes = retention?.maxBytes ?? -1;
    if (!Number.isInteger(maxAgeMs) || maxAgeMs < 0) invalid(`${name} maxAgeMs must be an integer ≥ 0, got ${maxAgeMs}`);
    if (!Number.isInteger(maxBytes) || (maxBytes < 1 && maxBytes !== -1))
      invalid(`${name} maxBytes must be a positive integer or -1, got ${maxBytes}`);
    return {
      name,
      subjects: [subject],
      description,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(maxAgeMs),
      max_bytes: maxBytes,
      num_replicas: replicas,
    };
  };
  return [
    {
      ...base(STREAMS.events, STREAM_SUBJECTS.events, 'FraiseQL entity change events', options.events, 7 * DAY_MS),
      duplicate_window: nanos(duplicateWindowMs),
    },
    {
      ...base(STREAMS.dlq, STREAM_SUBJECTS.dlq, 'FraiseQL dead letters', options.dlq, 30 * DAY_MS),
      // A consumer that crashed between its dead-letter write and its ack gets the original again
      // after an ack wait (up to 10 min in the default consumer specs): the window must outlast it.
      duplicate_window: nanos(dlqDuplicateWindowMs(options.dlq?.maxAgeMs ?? 30 * DAY_MS)),
    },
    {
      ...base(STREAMS.jobs, STREAM_SUBJECTS.jobs, 'FraiseQL job lifecycle events', options.jobs, 7 * DAY_MS),
      duplicate_window: nanos(2 * 60_000),
    },
    {
      ...base(STREAMS.replay, STREAM_SUBJECTS.replay, 'FraiseQL dead letters sent back for another try', options.replay, 7 * DAY_MS),
      // A replay is published with the dead letter's id and sequence: a second click within the window is dropped.
      duplicate_window: nanos(2 * 60_000),
    },
    {
      ...base(STREAMS.audit, STREAM_SUBJECTS.audit, 'FraiseQL audit entries', options.audit, 90 * DAY_MS),
      // An entry is published with Nats-Msg-Id = its id: a publisher's retry within the window is stored once.
      duplicate_window: nanos(fittingDuplicateWindowMs(duplicateWindowMs, options.audit?.maxAgeMs ?? 90 * DAY_MS)),
    },
  ];
}

/** The window, or the stream's max age when that is shorter (JetStream requires the window to fit in it). */
function fittingDuplicateWindowMs(windowMs: number, maxAgeMs: number): number {
  return maxAgeMs > 0 ? Math.min(windowMs, maxAgeMs) : windowMs;
}

/** 15 min, or the stream's max age when that is shorter (JetStream requires the window to fit in it). */
function dlqDuplicateWindowMs(maxAgeMs: number): number {
  return maxAgeMs > 0 ? Math.min(DEFAULT_DUPLICATE_WINDOW_MS, maxAgeMs) : DEFAULT_DUPLICATE_WINDOW_MS;
}

function invalid(message: string): never {
  throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `JetStream provisioning: ${message}`);
}
