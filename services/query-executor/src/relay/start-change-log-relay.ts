import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { provisionJetStream, type ProvisionOptions } from '@fraiseql/nats-contract';
import type { Logger } from '@fraiseql/service-kit';
import { ChangeLogRelay } from './change-log-relay';

/** The relay's config (FRAISEQL_QUERY_EXECUTOR_RELAY_*). */
export interface RelaySettings {
  enabled: boolean;
  batchSize: number;
  maxInFlight: number;
  pollIntervalMs: number;
  publishTimeoutMs: number;
  retentionMs: number;
}

export interface StartChangeLogRelayOptions {
  nc: NatsConnection;
  databaseUrl: string;
  registry: Registry;
  logger: Logger;
  /** Omitted: no relay (e.g. an executor embedded in a test). */
  relay?: RelaySettings;
  /** Omitted: the streams are not provisioned by this process. */
  jetStream?: ProvisionOptions;
}

/**
 * Provisions the JetStream streams (idempotent, safe from every replica at once), then starts
 * the relay. Provisioning first: a relay publishing before FRAISEQL_EVENTS exists would only fail.
 */
export async function startChangeLogRelay(options: StartChangeLogRelayOptions): Promise<ChangeLogRelay | undefined> {
  if (options.jetStream) {
    const result = await provisionJetStream(options.nc, options.jetStream);
    options.logger.info({ streams: result.streams }, 'JetStream streams provisioned');
  }
  if (!options.relay?.enabled) return undefined;
  const { enabled: _enabled, ...settings } = options.relay;
  const relay = new ChangeLogRelay({
    ...settings,
    nc: options.nc,
    databaseUrl: options.databaseUrl,
    registry: options.registry,
    logger: options.logger,
  });
  relay.start();
  return relay;
}
