/** What a job holds in BullMQ (its `data`); its BullMQ name is its type. */
export interface JobData {
  type: string;
  orgId: string | null;
  payload: unknown;
  /** The caller's subject (`service:observer-worker` for observer actions). */
  createdBy: string | null;
  /** The caller's roles when it enqueued the job (a graphql export is planned with them). Absent on older jobs. */
  roles?: string[];
  /** An observer action's job: where it came from. */
  source?: { kind: 'observer'; rule: string; action: number; eventId: string };
  /** The W3C traceparent of the enqueue request: every attempt's span links to that trace. Absent on older jobs. */
  traceparent?: string;
  /** Set when the job was cancelled (a cancelled job ends in BullMQ's failed set; this tells it from a dead one). */
  cancelled?: { at: string; by: string | null };
}

/** One failed attempt, kept as a JSON line in the job's BullMQ log (shown by bull-board too). */
export interface AttemptRecord {
  kind: 'attempt-failed';
  attempt: number;
  at: string;
  error: { code: string; message: string };
  latency_ms: number;
  retry_at?: string;
}

/** `CODE: message` — how a failure's code travels in BullMQ's `failedReason`. */
export function failureReason(code: string, message: string): string {
  return `${code}: ${message}`;
}

export function parseFailureReason(reason: string | undefined): { code: string; message: string } | null {
  if (!reason) return null;
  if (reason.includes('stalled more than allowable limit'))
    return { code: 'FRAISEQL_JOB_STALLED', message: 'its worker stopped while running it more often than FRAISEQL_JOB_MAX_STALLED allows' };
  const match = /^([A-Z][A-Z0-9_]{2,}): ([\s\S]*)$/.exec(reason);
  return match ? { code: match[1]!, message: match[2]! } : { code: 'FRAISEQL_INTERNAL', message: reason };
}

export function parseAttemptLog(line: string): AttemptRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const record = JSON.parse(line) as AttemptRecord;
    return record.kind === 'attempt-failed' ? record : undefined;
  } catch {
    return undefined;
  }
}
