import { RetryableError } from '@fraiseql/errors';
import type { EmailClient } from '@fraiseql/observer-actions';
import { z } from 'zod';
import { zodPayload, type JobType } from './job-type';
import { raceAbort } from './webhook-job';

// `a@b.c` or `Name <a@b.c>`; nodemailer parses, the SMTP relay decides.
const address = z
  .string()
  .min(3)
  .max(320)
  .regex(/^[^\r\n]*@[^\r\n]*$/, 'must be an e-mail address (a@b.c or Name <a@b.c>)');
const addresses = z.union([address, z.array(address).min(1).max(100)]);

export const MAX_BATCH_MESSAGES = 1000;

const message = z
  .object({
    to: addresses,
    cc: addresses.optional(),
    bcc: addresses.optional(),
    replyTo: addresses.optional(),
    subject: z
      .string()
      .max(998)
      .regex(/^[^\r\n]*$/, 'must be one line'),
    text: z.string().max(1_000_000).optional(),
    html: z.string().max(1_000_000).optional(),
  })
  .strict()
  .refine((m) => m.text !== undefined || m.html !== undefined, { message: 'needs a text or an html body' });

const payloadSchema = z
  .object({
    from: address.optional(),
    messages: z.array(message).min(1).max(MAX_BATCH_MESSAGES),
  })
  .strict();

export type EmailBatchJobPayload = z.infer<typeof payloadSchema>;

interface Checkpoint {
  /** Indexes of the messages handed to the relay (sent, or refused for good). */
  done: number[];
  rejected: { index: number; code: string; reason: string }[];
}

/**
 * `email-batch`: many e-mails (a digest to every subscriber). Each message is sent once across attempts: its index
 * is checkpointed after the relay answered, and its Message-ID is derived from (job, index), so even a message
 * whose answer was lost keeps one id for the receiving side. A message the relay refuses for good (5xx) is listed
 * in the result's `rejected` and the batch goes on; a temporary failure (4xx, network) ends the attempt, and the
 * next one resumes after the last message done.
 */
export function emailBatchJobType(client: EmailClient, timeoutMs = 600_000): JobType<EmailBatchJobPayload> {
  return {
    name: 'email-batch',
    parse: zodPayload('email-batch', payloadSchema),
    timeoutMs,
    retry: { initialIntervalMs: 10_000, backoff: 'exponential', maximumIntervalMs: 900_000, jitter: 0.2, maximumAttempts: 8 },
    async run(payload, context) {
      const saved = (await context.checkpoint.load()) as Checkpoint | null;
      const done = new Set(saved?.done ?? []);
      const rejected = [...(saved?.rejected ?? [])];
      const total = payload.messages.length;
      for (const [index, m] of payload.messages.entries()) {
        if (done.has(index)) continue;
        context.signal.throwIfAborted();
        const outcome = await raceAbort(
          client.send({ ...m, ...(payload.from ? { from: payload.from } : {}), idempotencyKey: `job:${context.jobId}:${index}` }),
          context.signal,
        );
        if (outcome.kind === 'retryable') {
          throw new RetryableError(outcome.code, `message ${index + 1} of ${total}: ${outcome.reason}`, outcome.retryAfterMs ?? 0);
        }
        if (outcome.kind === 'permanent') rejected.push({ index, code: outcome.code, reason: outcome.reason });
        done.add(index);
        await context.checkpoint.save({ done: [...done], rejected } satisfies Checkpoint);
        await context.progress({ sent: done.size - rejected.length, rejected: rejected.length, total });
      }
      return { sent: done.size - rejected.length, rejected, total };
    },
  };
}
