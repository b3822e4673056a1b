import { FraiseqlError } from '@fraiseql/errors';
import type { JetStreamManager, StreamInfo } from 'nats';
import { isLostCreateRace, isNotFound } from './nats-api-error';
import type { ManagedStreamConfig } from './stream-configs';

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

export interface EnsureStreamOptions {
  /**
   * What to do with a stream that exists with other settings: `update` it (default; the owner of the settings:
   * query-executor and its provision Job) or `keep` it as it is (a service that only needs the stream to exist
   * and does not read the retention config, so that it never undoes the owner's settings).
   */
  existing?: 'update' | 'keep';
}

/**
 * Creates the stream, or updates the fields provisioning owns when they differ. Safe to
 * run from several processes at once: losing a create race just means looking again.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  desired: ManagedStreamConfig,
  options: EnsureStreamOptions = {},
): Promise<EnsureOutcome> {
  for (let attempt = 0; ; attempt++) {
    const existing = await streamInfo(jsm, desired.name);
    if (existing === null) {
      try {
        await jsm.streams.add(desired);
        return 'created';
      } catch (error) {
        if (attempt < 3 && isLostCreateRace(error)) continue;
        throw provisioningError(`cannot create stream ${desired.name}`, error);
      }
    }
    if (options.existing === 'keep') return 'unchanged';
    const current = existing.config;
    if (current.storage !== desired.storage) {
      throw new FraiseqlError(
        'FRAISEQL_CONFIG_INVALID',
        `Stream ${desired.name} uses ${current.storage} storage but the contract needs ${desired.storage}; storage cannot be changed in place (migrate the stream)`,
      );
    }
    if (sameManagedConfig(current, desired)) return 'unchanged';
    try {
      await jsm.streams.update(desired.name, { ...current, ...desired });
      return 'updated';
    } catch (error) {
      throw provisioningError(`cannot update stream ${desired.name}`, error);
    }
  }
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw provisioningError(`cannot read stream ${name}`, error);
  }
}

function sameManagedConfig(current: ManagedStreamConfig, desired: ManagedStreamConfig): boolean {
  const subjects = (s: string[] | undefined) => [...(s ?? [])].sort().join('\n');
  return (
    subjects(current.subjects) === subjects(desired.subjects) &&
    current.retention === desired.retention &&
    current.discard === desired.discard &&
    current.max_age === desired.max_age &&
    current.max_bytes === desired.max_bytes &&
    current.num_replicas === desired.num_replicas &&
    current.duplicate_window === desired.duplicate_window &&
    (current.description ?? '') === (desired.description ?? '')
  );
}

export function provisioningError(message: string, cause: unknown): FraiseqlError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new FraiseqlError('FRAISEQL_INTERNAL', `JetStream provisioning: ${message}${detail}`, { cause });
}
