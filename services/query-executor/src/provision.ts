import { runProvision } from '@fraiseql/service-kit';
import { queryExecutorConfig } from './config';
import { provisionExecutorStores } from './provision-executor-stores';

/**
 * `node service/provision.js`: the Helm pre-install/pre-upgrade Job. Same config (environment) as the service;
 * exits 0 once PostgreSQL, the streams, KV buckets and consumers are as the executor expects, 1 otherwise.
 */
void runProvision({
  name: 'query-executor',
  config: queryExecutorConfig,
  timeoutKey: 'FRAISEQL_QUERY_EXECUTOR_PROVISION_TIMEOUT_MS',
  provision: async ({ config, logger }) => {
    const report = await provisionExecutorStores(config, logger);
    return {
      postgres: { applied: report.postgres.applied },
      streams: report.streams,
      buckets: report.buckets,
      consumers: report.consumers,
    };
  },
});
