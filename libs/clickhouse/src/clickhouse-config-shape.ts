import { configValue } from '@fraiseql/service-kit';
import { z } from 'zod';

/**
 * The ClickHouse connection keys of a service's config, the same in the sink (writes) and flight-server (analytics
 * reads): a server's HTTP interface, its user, password (a Secret in Kubernetes) and database. Unset URL: the sink's
 * embedded engine (docs/configuration.md).
 */
export const clickhouseConfigShape = {
  FRAISEQL_CLICKHOUSE_URL: configValue.secret(configValue.url({ protocols: ['http', 'https'] })).optional(),
  FRAISEQL_CLICKHOUSE_USER: z.string().min(1).default('default'),
  FRAISEQL_CLICKHOUSE_PASSWORD: configValue.secret(z.string()).optional(),
  FRAISEQL_CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a ClickHouse identifier')
    .default('fraiseql'),
};
