import type { RetryPolicy } from '@fraiseql/service-kit';
import { ObserverRulesMirror, type ObserverRulesMirrorOptions } from './observer-rules-mirror';

/** FRAISEQL_QUERY_EXECUTOR_OBSERVER_RULES_*. */
export interface ObserverRulesMirrorSettings {
  enabled: boolean;
  fullSyncIntervalMs: number;
}

const LISTEN_RETRY: RetryPolicy = { initialIntervalMs: 500, backoffCoefficient: 2, maximumIntervalMs: 30_000, jitter: 0.2 };

/**
 * Starts the mirror of fraiseql.tb_observer into FRAISEQL_OBSERVERS, or says why it cannot: a database
 * without the framework's migration 0005 has no run-time rules to mirror (the rules of the compiled
 * schema still reach the workers through FRAISEQL_SCHEMA).
 */
export async function startObserverRulesMirror(
  options: Omit<ObserverRulesMirrorOptions, 'fullSyncIntervalMs' | 'retry'>,
  settings: ObserverRulesMirrorSettings,
): Promise<ObserverRulesMirror | undefined> {
  const { rows } = await options.pool.query<{ present: boolean }>(`SELECT to_regproc('fraiseql.observer_rules') IS NOT NULL AS present`);
  if (!rows[0]?.present) {
    options.logger.warn('observer rules mirror off: fraiseql.observer_rules is missing (apply migrations/postgres 0005)');
    return undefined;
  }
  const mirror = new ObserverRulesMirror({ ...options, fullSyncIntervalMs: settings.fullSyncIntervalMs, retry: LISTEN_RETRY });
  await mirror.start();
  return mirror;
}
