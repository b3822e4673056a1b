import { randomBytes } from 'node:crypto';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { OrgFairness } from '@fraiseql/job-fairness';

export interface OrgJob {
  orgId: string;
}

export const uniquePrefix = (): string => `fraiseql-test-fair-${randomBytes(4).toString('hex')}`;

export function bullConnection(port: number) {
  return { host: '127.0.0.1', port, maxRetriesPerRequest: null };
}

/** Enqueues `count` jobs of one org with the priorities `priorityFor` hands out, in chunks. */
export async function enqueueOrgJobs(queue: Queue<OrgJob>, fairness: OrgFairness, orgId: string, count: number, chunk = 1000) {
  for (let from = 0; from < count; from += chunk) {
    const size = Math.min(chunk, count - from);
    const priorities = await Promise.all(Array.from({ length: size }, () => fairness.priorityFor(orgId)));
    await queue.addBulk(
      priorities.map((priority, i) => ({
        name: 'work',
        data: { orgId },
        opts: { priority, jobId: `${orgId}-${from + i}`, removeOnComplete: true, removeOnFail: true },
      })),
    );
  }
}

/**
 * What the job engine does around a processor: take the org's slot, or send the job back to
 * delayed without spending an attempt (moveToDelayed + DelayedError); move the virtual clock when it
 * starts; give the slot back when it ends.
 */
export function gatedWorker(
  queueName: string,
  port: number,
  fairness: OrgFairness,
  concurrency: number,
  run: (job: Job<OrgJob>) => Promise<void>,
  prefix?: string,
): Worker<OrgJob> {
  return new Worker<OrgJob>(
    queueName,
    async (job, token) => {
      const { orgId } = job.data;
      const slot = await fairness.acquire(orgId, job.id!);
      if (!slot.ok) {
        await job.moveToDelayed(Date.now() + slot.retryInMs, token);
        throw new DelayedError();
      }
      try {
        await fairness.started(orgId, job.priority);
        await run(job);
      } finally {
        await fairness.release(orgId, job.id!);
      }
    },
    { connection: bullConnection(port), concurrency, ...(prefix ? { prefix } : {}) },
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
