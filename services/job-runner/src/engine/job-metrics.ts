import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Job durations: from a tenth of a second (a webhook) to an hour (a big export). */
export const JOB_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Where the gauges read their values on each scrape (Redis). */
export interface JobGaugeSources {
  queueDepth(): Promise<Record<string, number>>;
  /** Seconds since the oldest job of each state was enqueued (active: since it started); 0 when the state is empty. */
  oldestAge(): Promise<Record<string, number>>;
  dlqItems(): Promise<number>;
  orgActive(): Promise<{ org: string; count: number }[]>;
  orgWaiting(): Promise<{ org: string; count: number }[]>;
}

/**
 * The job-runner's metrics (docs/jobs.md, "Metrics"); gauges are read from `sources()` on each scrape. The series of
 * `jobTypes` (and of every fairness reason) start at 0, so job panels read 0/s for a quiet type rather than no data.
 */
export function createJobMetrics(
  registry: Registry,
  queueName: string,
  sources: () => JobGaugeSources | undefined,
  jobTypes: readonly string[] = [],
) {
  const metrics = {
    queued: new Counter({
      name: 'fraiseql_job_queued_total',
      help: 'Jobs enqueued (a repeated enqueue of an existing job id is not counted).',
      labelNames: ['job_type'] as const,
      registers: [registry],
    }),
    executed: new Counter({
      name: 'fraiseql_job_executed_total',
      help: 'Jobs that succeeded.',
      labelNames: ['job_type'] as const,
      registers: [registry],
    }),
    failed: new Counter({
      name: 'fraiseql_job_failed_total',
      help: 'Failed attempts, by the code of their error (error_type); a timeout is FRAISEQL_JOB_TIMEOUT.',
      labelNames: ['job_type', 'error_type'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'fraiseql_job_duration_seconds',
      help: 'Duration of job attempts, whatever their outcome.',
      labelNames: ['job_type'] as const,
      buckets: JOB_DURATION_BUCKETS,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'fraiseql_job_retry_attempts_total',
      help: 'Retries scheduled after a failed attempt.',
      labelNames: ['job_type'] as const,
      registers: [registry],
    }),
    dead: new Counter({
      name: 'fraiseql_job_dead_total',
      help: 'Jobs that went to the dead-letter queue (attempts exhausted, a permanent error, or stalled too often).',
      labelNames: ['job_type'] as const,
      registers: [registry],
    }),
    cancelled: new Counter({
      name: 'fraiseql_job_cancelled_total',
      help: 'Jobs cancelled through the job API.',
      labelNames: ['job_type'] as const,
      registers: [registry],
    }),
    deferred: new Counter({
      name: 'fraiseql_job_fairness_deferred_total',
      help: "Job starts put off because the org was at its concurrency or rate limit (reason: 'concurrency' | 'rate').",
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    announceFailures: new Counter({
      name: 'fraiseql_job_announce_failures_total',
      help: 'Lifecycle events or dead letters that could not be published to NATS (the jobs themselves are unaffected).',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'fraiseql_job_queue_depth',
      help: 'Jobs in the queue by BullMQ state (waiting, prioritized, delayed, active, completed, failed).',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
      async collect() {
        const counts = await sources()?.queueDepth();
        for (const [state, count] of Object.entries(counts ?? {})) this.set({ queue: queueName, state }, count);
      },
    }),
    oldestAge: new Gauge({
      name: 'fraiseql_job_oldest_age_seconds',
      help: 'Age of the oldest job by state: waiting and prioritized since enqueued, active since started (0 when none).',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
      async collect() {
        const ages = await sources()?.oldestAge();
        for (const [state, seconds] of Object.entries(ages ?? {})) this.set({ queue: queueName, state }, seconds);
      },
    }),
    dlqItems: new Gauge({
      name: 'fraiseql_job_dlq_items',
      help: 'Dead jobs waiting in the dead-letter queue (retry or purge them).',
      registers: [registry],
      async collect() {
        const source = sources();
        if (source) this.set(await source.dlqItems());
      },
    }),
    orgActive: new Gauge({
      name: 'fraiseql_job_org_active',
      help: 'Running jobs per org (the fairness leases).',
      labelNames: ['org'] as const,
      registers: [registry],
      async collect() {
        const rows = await sources()?.orgActive();
        this.reset();
        for (const { org, count } of rows ?? []) this.set({ org }, count);
      },
    }),
    orgWaiting: new Gauge({
      name: 'fraiseql_job_org_waiting',
      help: 'Jobs per org that have not started yet (queued or delayed before their first attempt).',
      labelNames: ['org'] as const,
      registers: [registry],
      async collect() {
        const rows = await sources()?.orgWaiting();
        this.reset();
        for (const { org, count } of rows ?? []) this.set({ org }, count);
      },
    }),
  };
  for (const job_type of jobTypes) {
    for (const counter of [metrics.queued, metrics.executed, metrics.retries, metrics.dead, metrics.cancelled])
      counter.inc({ job_type }, 0);
    metrics.duration.zero({ job_type });
  }
  for (const reason of ['concurrency', 'rate']) metrics.deferred.inc({ reason }, 0);
  return metrics;
}

export type JobMetrics = ReturnType<typeof createJobMetrics>;
