import type { NatsConnection } from 'nats';
import type { Pool } from 'pg';
import { openApiKeysBucket } from '@fraiseql/nats-contract';
import type { Logger } from '@fraiseql/service-kit';
import { ApiKeyStore } from './api-key-store';

/**
 * The API key store with its mirror into FRAISEQL_API_KEYS running, or undefined (and a warning) on a database without
 * the framework's migration 0007: the admin fields then answer FRAISEQL_OPERATION_NOT_SUPPORTED.
 */
export async function startApiKeyStore(options: {
  nc: NatsConnection;
  pool: Pool;
  logger: Logger;
  fullSyncIntervalMs: number;
}): Promise<ApiKeyStore | undefined> {
  const { rows } = await options.pool.query<{ present: boolean }>(`SELECT to_regclass('fraiseql.tb_api_key') IS NOT NULL AS present`);
  if (!rows[0]?.present) {
    options.logger.warn('API keys off: fraiseql.tb_api_key is missing (apply migrations/postgres 0007)');
    return undefined;
  }
  const store = new ApiKeyStore(options.pool, await openApiKeysBucket(options.nc), options.logger);
  store.start(options.fullSyncIntervalMs);
  return store;
}
