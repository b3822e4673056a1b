import { z } from 'zod';
import { graphqlRuntimeConfigShape } from '@fraiseql/graphql-runtime';
import { configValue, defineConfig, type LoadedConfig } from '@fraiseql/service-kit';

export const queryExecutorConfig = defineConfig({
  service: 'query-executor',
  schema: z.object({
    ...graphqlRuntimeConfigShape,
    FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: configValue.url({ protocols: ['postgres', 'postgresql'] }).default('postgres://postgres@127.0.0.1:5432/fraiseql'),
    FRAISEQL_QUERY_EXECUTOR_POOL_MAX: configValue.positiveInt({ max: 1000 }).default(10),
    FRAISEQL_QUERY_EXECUTOR_STATEMENT_TIMEOUT_MS: configValue.durationMs({ min: 1 }).default(5000),
    /** Operations handled at once; beyond it the executor answers FRAISEQL_OVERLOADED at once. */
    FRAISEQL_QUERY_EXECUTOR_MAX_IN_FLIGHT: configValue.positiveInt().default(64),
    FRAISEQL_QUERY_EXECUTOR_OPS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_QUERY_EXECUTOR_OPS_PORT: configValue.port({ allowZero: true }).default(9102),
  }),
});

export type QueryExecutorConfig = LoadedConfig<(typeof queryExecutorConfig)['schema']['shape']>;
