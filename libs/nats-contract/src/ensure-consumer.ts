import { FraiseqlError } from '@fraiseql/errors';
import type { ConsumerConfig, ConsumerInfo, JetStreamManager } from 'nats';
import { toConsumerConfig, type ConsumerSpec } from './consumer-specs';
import type { EnsureOutcome } from './ensure-stream';
import { provisioningError } from './ensure-stream';
import { isLostCreateRace, isNotFound } from './nats-api-error';

/**
 * Creates the durable consumer, or updates its editable settings when they differ.
 * Idempotent and safe under concurrent start-up of several replicas.
 */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, consumer: ConsumerSpec): Promise<EnsureOutcome> {
  const desired = toConsumerConfig(consumer);
  const durable = consumer.durable_name;
  for (let attempt = 0; ; attempt++) {
    const existing = await consumerInfo(jsm, stream, durable);
    if (existing === null) {
      try {
        await jsm.consumers.add(stream, desired);
        return 'created';
      } catch (error) {
        if (attempt < 3 && isLostCreateRace(error)) continue;
        throw provisioningError(`cannot create consumer ${durable} on ${stream}`, error);
      }
    }
    const current = existing.config;
    if (current.ack_policy !== consumer.ack_policy || current.deliver_policy !== consumer.deliver_policy) {
      throw new FraiseqlError(
        'FRAISEQL_CONFIG_INVALID',
        `Consumer ${durable} on ${stream} has ack/deliver policy ${current.ack_policy}/${current.deliver_policy}, the contract needs ${consumer.ack_policy}/${consumer.deliver_policy}; these cannot change in place (delete the consumer)`,
      );
    }
    if (sameEditableConfig(current, consumer)) return 'unchanged';
    try {
      await jsm.consumers.update(stream, durable, {
        description: consumer.description,
        max_deliver: consumer.max_deliver,
        backoff: consumer.backoff,
        max_ack_pending: consumer.max_ack_pending,
        filter_subject: consumer.filter_subject,
      });
      return 'updated';
    } catch (error) {
      throw provisioningError(`cannot update consumer ${durable} on ${stream}`, error);
    }
  }
}

async function consumerInfo(jsm: JetStreamManager, stream: string, durable: string): Promise<ConsumerInfo | null> {
  try {
    return await jsm.consumers.info(stream, durable);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw provisioningError(`cannot read consumer ${durable} on ${stream}`, error);
  }
}

function sameEditableConfig(current: ConsumerConfig, desired: ConsumerSpec): boolean {
  return (
    current.max_deliver === desired.max_deliver &&
    current.max_ack_pending === desired.max_ack_pending &&
    (current.filter_subject ?? '') === desired.filter_subject &&
    (current.description ?? '') === desired.description &&
    (current.backoff ?? []).join(',') === desired.backoff.join(',')
  );
}
