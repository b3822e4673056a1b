import { headers as natsHeaders, type JetStreamManager, type NatsConnection } from 'nats';
import { FraiseqlError } from '@fraiseql/errors';
import { publishedSubject } from '@fraiseql/nats-contract';
import { permanent, retryable, type ActionOutcome } from './action-outcome';
import type { ActionDelivery } from './action-delivery';

/** A message derived from an event, rendered, for `fraiseql.v1.published.<org>.<topic>`. */
export interface PublishRequest {
  /** The org of the rule (null for untenanted rules): the message can only land under it. */
  orgId: string | null;
  /** One subject token of the caller's choosing (escaped, so dots or wildcards stay data). */
  topic: string;
  payload: string | Uint8Array;
  headers?: Record<string, string>;
  /** Stable across retries: JetStream's `Nats-Msg-Id`, so a retried publish into a stream is stored once. */
  idempotencyKey?: string;
}

export interface MessagePublisherOptions {
  /** How long the answer to "does a stream capture this subject?" is reused. Default 30 000. */
  streamLookupTtlMs?: number;
  /** JetStream publish acknowledgement wait. Default 5 000. */
  timeoutMs?: number;
}

/**
 * Re-publishes a derived message (ADR 0102, "Publish"): into JetStream, acknowledged and deduplicated by the
 * idempotency key, when a stream captures the subject; otherwise core NATS followed by a flush (the server
 * has the message; only current subscribers receive it). The contract provisions no stream for these subjects.
 */
export class MessagePublisher {
  private jsm: Promise<JetStreamManager> | undefined;
  private readonly streamOf = new Map<string, { stream: string | null; until: number }>();
  private readonly streamLookupTtlMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly delivery: ActionDelivery,
    private readonly nc: NatsConnection,
    options: MessagePublisherOptions = {},
  ) {
    this.streamLookupTtlMs = options.streamLookupTtlMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  publish(request: PublishRequest): Promise<ActionOutcome> {
    if (request.topic === '')
      return this.delivery.metrics.track('publish', async () => permanent('FRAISEQL_ACTION_INVALID', 'a publish action needs a topic', 0));
    return this.delivery.execute('publish', this.nc.getServer(), async () => {
      const began = Date.now();
      try {
        const subject = publishedSubject(request.orgId, request.topic);
        const h = natsHeaders();
        for (const [name, value] of Object.entries(request.headers ?? {})) h.set(name, value);
        const stream = await this.streamFor(subject);
        if (stream === null) {
          this.nc.publish(subject, request.payload, { headers: h });
          await this.nc.flush();
          return { kind: 'success', latencyMs: Date.now() - began, detail: { subject, stream: null } };
        }
        const ack = await this.nc
          .jetstream()
          .publish(subject, request.payload, { headers: h, msgID: request.idempotencyKey, timeout: this.timeoutMs });
        return {
          kind: 'success',
          latencyMs: Date.now() - began,
          detail: { subject, stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate },
        };
      } catch (error) {
        return classifyNatsError(error, Date.now() - began);
      }
    });
  }

  private async streamFor(subject: string): Promise<string | null> {
    const cached = this.streamOf.get(subject);
    if (cached && cached.until > Date.now()) return cached.stream;
    this.jsm ??= this.nc.jetstreamManager();
    let stream: string | null;
    try {
      stream = await (await this.jsm).streams.find(subject);
    } catch (error) {
      if (!/no stream matches subject/i.test(error instanceof Error ? error.message : '')) throw error;
      stream = null;
    }
    this.streamOf.set(subject, { stream, until: Date.now() + this.streamLookupTtlMs });
    return stream;
  }
}

function classifyNatsError(error: unknown, latencyMs: number): ActionOutcome {
  const message = error instanceof Error ? error.message : String(error);
  const code = String((error as { code?: unknown })?.code ?? '');
  if (error instanceof FraiseqlError) return permanent('FRAISEQL_ACTION_INVALID', message, latencyMs, { cause: error });
  if (code === 'TIMEOUT' || /timeout/i.test(message))
    return retryable('FRAISEQL_ACTION_TIMEOUT', `NATS publish timed out: ${message}`, latencyMs, { cause: error });
  return retryable('FRAISEQL_ACTION_UNREACHABLE', `NATS publish failed: ${message}`, latencyMs, { cause: error });
}
