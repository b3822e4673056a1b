import type { ProvisionOptions } from '@fraiseql/nats-contract';
import type { QueryExecutorConfig } from '../config';
import type { RelaySettings } from './start-change-log-relay';

/** The relay and stream-provisioning options of the executor's config keys. */
export function relaySettingsFromConfig(config: QueryExecutorConfig): { relay: RelaySettings; jetStream: ProvisionOptions } {
  return {
    relay: {
      enabled: config.FRAISEQL_QUERY_EXECUTOR_RELAY_ENABLED,
      batchSize: config.FRAISEQL_QUERY_EXECUTOR_RELAY_BATCH_SIZE,
      maxInFlight: config.FRAISEQL_QUERY_EXECUTOR_RELAY_MAX_IN_FLIGHT,
      pollIntervalMs: config.FRAISEQL_QUERY_EXECUTOR_RELAY_POLL_INTERVAL_MS,
      publishTimeoutMs: config.FRAISEQL_QUERY_EXECUTOR_RELAY_PUBLISH_TIMEOUT_MS,
      retentionMs: config.FRAISEQL_QUERY_EXECUTOR_RELAY_RETENTION,
    },
    jetStream: {
      replicas: config.FRAISEQL_STREAM_REPLICAS,
      events: { maxAgeMs: config.FRAISEQL_EVENTS_MAX_AGE, maxBytes: config.FRAISEQL_EVENTS_MAX_BYTES },
    },
  };
}
