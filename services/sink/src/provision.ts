import { runProvision } from '@fraiseql/service-kit';
import { sinkConfig } from './config';
import { sinkOptionsFromConfig } from './sink-options-from-config';
import { provisionSinkStores } from './sink-stores';

/** `node service/provision.js`: the Helm pre-install/pre-upgrade Job (same environment as the service). */
void runProvision({
  name: 'sink',
  config: sinkConfig,
  timeoutKey: 'FRAISEQL_SINK_PROVISION_TIMEOUT_MS',
  provision: async ({ config, logger }) => ({ ...(await provisionSinkStores(sinkOptionsFromConfig(config), logger)) }),
});
