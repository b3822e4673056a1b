import { encodeJobLifecycleEvent, jobLifecycleMsgId, type JobLifecycleEvent } from '@fraiseql/jobs';
import { deadLetterMsgId, dlqSubject, encodeDeadLetter, jobSubject, STREAMS, type DeadLetterAttempt } from '@fraiseql/nats-contract';
import type { JetStreamClient, NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { JOB_RUNNER_SOURCE } from '@fraiseql/dead-letters';

/** A job-runner dead letter's content: the job (in `details`) and its payload (the letter's raw bytes). */
export interface DeadJob {
  jobId: string;
  jobType: string;
  orgId: string | null;
  payload: unknown;
  error: { code: string; message: string };
  attempts: number;
  /** The job's redrive count: a job redriven and dead again is a new letter. */
  run: number;
  history: DeadLetterAttempt[];
  createdBy: string | null;
}

const PUBLISH_ATTEMPTS = 3;

/**
 * Publishes lifecycle events on `fraiseql.v1.jobs.<state>.<org>.<type>` (FRAISEQL_JOBS) and dead letters on
 * `fraiseql.v1.dlq.job-runner.<org>.<type>` (FRAISEQL_DLQ), each with a `Nats-Msg-Id` that makes a repeat (a worker
 * that died after announcing, a stalled job run again) a duplicate the stream drops. An announcement is a
 * notification: BullMQ holds the job's truth, so a publish that fails three times is logged and counted, and the
 * job goes on.
 */
export class JobAnnouncer {
  private readonly js: JetStreamClient;

  constructor(
    nc: NatsConnection,
    private readonly logger: Logger,
    private readonly failures: Counter<'kind'>,
  ) {
    this.js = nc.jetstream();
  }

  async lifecycle(event: Omit<JobLifecycleEvent, 'version' | 'at'> & { at?: string }): Promise<number | undefined> {
    const full: JobLifecycleEvent = { version: 1, ...event, at: event.at ?? new Date().toISOString() };
    return this.publish('lifecycle', jobSubject(full.state, full.org_id, full.job_type), encodeJobLifecycleEvent(full), {
      msgID: jobLifecycleMsgId(full),
      expect: { streamName: STREAMS.jobs },
    });
  }

  /** `dead` on FRAISEQL_JOBS, then the dead letter (which names that event's sequence). */
  async dead(job: DeadJob): Promise<void> {
    const at = new Date().toISOString();
    const seq = await this.lifecycle({
      job_id: job.jobId,
      job_type: job.jobType,
      org_id: job.orgId,
      state: 'dead',
      attempt: job.attempts,
      run: job.run,
      at,
      error: job.error,
    });
    const history = job.history;
    const letter = encodeDeadLetter({
      version: 1,
      source: JOB_RUNNER_SOURCE,
      subject: jobSubject('dead', job.orgId, job.jobType),
      stream: STREAMS.jobs,
      stream_seq: seq ?? 1,
      event: null,
      raw_base64: Buffer.from(JSON.stringify(job.payload ?? null)).toString('base64'),
      error: job.error,
      attempts: { count: Math.max(1, job.attempts), history },
      first_failure_at: history[0]?.at ?? at,
      last_failure_at: history.at(-1)?.at ?? at,
      dead_lettered_at: at,
      details: { job_id: job.jobId, job_type: job.jobType, org_id: job.orgId, created_by: job.createdBy },
    });
    await this.publish('dead-letter', dlqSubject(JOB_RUNNER_SOURCE, job.orgId, job.jobType), letter, {
      msgID: deadLetterMsgId({
        source: JOB_RUNNER_SOURCE,
        stream: STREAMS.jobs,
        streamSeq: 0,
        eventId: `${job.orgId ?? '_'}.${job.jobId}`,
        key: `${job.attempts}:r${job.run}`,
      }),
      expect: { streamName: STREAMS.dlq },
    });
  }

  private async publish(
    kind: 'lifecycle' | 'dead-letter',
    subject: string,
    data: Uint8Array,
    options: { msgID: string; expect: { streamName: string } },
  ): Promise<number | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.js.publish(subject, data, options)).seq;
      } catch (error) {
        if (attempt >= PUBLISH_ATTEMPTS) {
          this.failures.inc({ kind });
          this.logger.warn({ err: error, subject, kind }, 'job announcement not published (the job itself is unaffected)');
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }
}
