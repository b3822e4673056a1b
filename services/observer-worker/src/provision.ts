import { runProvision } from '@fraiseql/service-kit';
import { observerWorkerConfig } from './config';
import { provisionObserverStores } from './observer-worker-consumers';

/** `node service/provision.js`: the Helm pre-install/pre-upgrade Job (same environment as the service). */
void runProvision({
  name: 'observer-worker',
  config: observerWorkerConfig,
  timeoutKey: 'FRAISEQL_OBSERVER_PROVISION_TIMEOUT_MS',
  provision: async ({ config, logger }) => ({ ...(await provisionObserverStores(config, logger)) }),
});
