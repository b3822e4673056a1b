import { FraiseqlError } from '@fraiseql/errors';
import { JOB_STATES, type JobState } from '@fraiseql/nats-contract';
import { z } from 'zod';

/**
 * One step of a job's life on `fraiseql.v1.jobs.<state>.<org>.<job type>` (stream FRAISEQL_JOBS). JSON,
 * snake_case like EntityEvent. Published with `Nats-Msg-Id` = `jobLifecycleMsgId(event)`, so a step the
 * job-runner announces twice (a retried publish, a worker that died after announcing) is stored once.
 */
export interface JobLifecycleEvent {
  version: 1;
  job_id: string;
  job_type: string;
  org_id: string | null;
  state: JobState;
  /** The attempt this step belongs to (1 = the first; 0 for `queued` and a `cancelled` job that never ran). */
  attempt: number;
  /** How many times the job was redriven (retried after it was dead, cancelled or succeeded); absent or 0 for its first run. */
  run?: number;
  /** RFC 3339 UTC. */
  at: string;
  /** `progress`: what the job reported. */
  progress?: Record<string, unknown>;
  /** `failed`, `dead`, `cancelled`: why. */
  error?: { code: string; message: string };
  /** `succeeded`: what the job returned. */
  result?: Record<string, unknown>;
  /** `failed` with a retry to come: when. */
  retry_at?: string;
}

const schema = z
  .object({
    version: z.literal(1),
    job_id: z.string().min(1).max(128),
    job_type: z.string().min(1).max(64),
    org_id: z.string().min(1).nullable(),
    state: z.enum(JOB_STATES),
    attempt: z.number().int().min(0),
    run: z.number().int().min(0).optional(),
    at: z.string().datetime({ offset: true }),
    progress: z.record(z.unknown()).optional(),
    error: z.object({ code: z.string().min(1), message: z.string() }).optional(),
    result: z.record(z.unknown()).optional(),
    retry_at: z.string().datetime({ offset: true }).optional(),
  })
  .strip();

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeJobLifecycleEvent(event: JobLifecycleEvent): Uint8Array {
  return encoder.encode(JSON.stringify(check(event)));
}

/** Parses and validates; anything malformed is FRAISEQL_BAD_MESSAGE naming the field. */
export function decodeJobLifecycleEvent(payload: Uint8Array | string): JobLifecycleEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof payload === 'string' ? payload : decoder.decode(payload));
  } catch (cause) {
    throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', 'Malformed job lifecycle event: the payload is not UTF-8 JSON', { cause });
  }
  return check(parsed);
}

function check(value: unknown): JobLifecycleEvent {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as JobLifecycleEvent;
  const issue = parsed.error.issues[0]!;
  throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed job lifecycle event: ${issue.path.join('.') || 'event'}: ${issue.message}`);
}

/** Progress steps are many and each one new; every other step happens once per attempt of a run. */
export function jobLifecycleMsgId(event: Pick<JobLifecycleEvent, 'job_id' | 'org_id' | 'state' | 'attempt' | 'run' | 'at'>): string {
  const run = event.run ? `:r${event.run}` : '';
  const base = `job:${event.org_id ?? '_'}:${event.job_id}:${event.state}:${event.attempt}${run}`;
  return event.state === 'progress' ? `${base}:${event.at}` : base;
}
