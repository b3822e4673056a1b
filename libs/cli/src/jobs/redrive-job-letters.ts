import { deadLetterJob, type StoredDeadLetter } from '@fraiseql/dead-letters';
import { toFraiseqlError } from '@fraiseql/errors';
import { JobApiClient, type JobViewState } from '@fraiseql/jobs';
import { STREAMS } from '@fraiseql/nats-contract';
import type { NatsConnection } from 'nats';
import { operatorCaller } from './operator-caller';

export interface JobRedriveResult {
  redriven: { seq: number; jobId: string; state: JobViewState }[];
  skipped: { seq: number; jobId: string; code: string; reason: string }[];
}

/**
 * Redrives the jobs of job-runner dead letters through the job API (`retry`: a fresh count of attempts), as the
 * operator in each letter's org (`details.org_id`). `remove` deletes a letter once its job was retried. A job the
 * job-runner refuses to retry (gone, not dead any more, no job-runner answering) is skipped with the code.
 */
export async function redriveJobLetters(
  nc: NatsConnection,
  letters: readonly StoredDeadLetter[],
  options: { remove?: boolean } = {},
): Promise<JobRedriveResult> {
  const client = new JobApiClient(nc);
  const result: JobRedriveResult = { redriven: [], skipped: [] };
  for (const stored of letters) {
    const job = deadLetterJob(stored.letter);
    if (!job) continue;
    try {
      const { job: view } = await client.call('retry', { id: job.jobId }, operatorCaller(job.orgId, 'details.org_id'));
      if (options.remove) await (await nc.jetstreamManager()).streams.deleteMessage(STREAMS.dlq, stored.seq);
      result.redriven.push({ seq: stored.seq, jobId: job.jobId, state: view.state });
    } catch (error) {
      const failure = toFraiseqlError(error);
      result.skipped.push({ seq: stored.seq, jobId: job.jobId, code: failure.code, reason: failure.message });
    }
  }
  return result;
}
