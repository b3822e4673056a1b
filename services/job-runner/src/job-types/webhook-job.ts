import { UnrecoverableError } from '@fraiseql/errors';
import { outcomeError, type WebhookClient } from '@fraiseql/observer-actions';
import { z } from 'zod';
import { zodPayload, type JobType } from './job-type';

const header = z.string().max(8192);

const payloadSchema = z
  .object({
    url: z.string().url().max(8192),
    method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE', 'GET']).default('POST'),
    headers: z.record(z.string().min(1).max(256), header).default({}),
    /** A string is sent as is; any other JSON value is sent as JSON. */
    body: z.unknown().optional(),
    /** Budget of one HTTP call (at most the type's timeout). */
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
  })
  .strict();

export type WebhookJobPayload = z.infer<typeof payloadSchema>;

/**
 * `webhook`: one HTTP call that may take long or must be retried for long (an observer action handed over).
 * Same client as observer webhooks: SSRF guard, per-host isolation, `Idempotency-Key: job:<job id>` on every
 * attempt, so a receiver can drop the repeat of an attempt that timed out after it was done. 4xx (other than
 * 408/425/429) is permanent; 5xx, 408/429 and network errors are retried (Retry-After honoured as a floor).
 */
export function webhookJobType(client: WebhookClient, timeoutMs = 120_000): JobType<WebhookJobPayload> {
  return {
    name: 'webhook',
    parse: zodPayload('webhook', payloadSchema),
    timeoutMs,
    retry: { initialIntervalMs: 5000, backoff: 'exponential', maximumIntervalMs: 600_000, jitter: 0.2, maximumAttempts: 10 },
    async run(payload, context) {
      const body = payload.body === undefined ? undefined : typeof payload.body === 'string' ? payload.body : JSON.stringify(payload.body);
      const outcome = await raceAbort(
        client.deliver({
          url: payload.url,
          method: payload.method,
          headers: payload.headers,
          ...(body === undefined ? {} : { body }),
          idempotencyKey: `job:${context.jobId}`,
          timeoutMs: Math.min(payload.timeoutMs ?? timeoutMs, timeoutMs),
          signal: context.signal,
        }),
        context.signal,
      );
      if (outcome.kind === 'success') return { status: outcome.status ?? null, latencyMs: outcome.latencyMs };
      const error = outcomeError(outcome)!;
      if (outcome.kind === 'permanent') throw new UnrecoverableError(error.message, { code: error.code, cause: error });
      throw error;
    },
  };
}

/** The client has its own timeout; the signal (cancel, shutdown) ends the wait at once. */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
