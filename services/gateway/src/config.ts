import { z } from 'zod';
import { graphqlRuntimeConfigShape } from '@fraiseql/graphql-runtime';
import { exportConfigShape } from '@fraiseql/job-export';
import { configValue, defineConfig, type LoadedConfig } from '@fraiseql/service-kit';

export const gatewayConfig = defineConfig({
  service: 'gateway',
  schema: z.object({
    ...graphqlRuntimeConfigShape,
    FRAISEQL_GATEWAY_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_GATEWAY_PORT: configValue.port({ allowZero: true }).default(4000),
    FRAISEQL_GATEWAY_OPS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_GATEWAY_OPS_PORT: configValue.port({ allowZero: true }).default(9101),
    /** How long the gateway waits for a query-executor reply. */
    FRAISEQL_GATEWAY_REQUEST_TIMEOUT_MS: configValue.durationMs({ min: 1 }).default(10_000),
    /**
     * A request whose query-executor sent neither a heartbeat nor its reply for this long fails
     * with FRAISEQL_EXECUTOR_UNAVAILABLE (the executor heartbeats every third of it). 0 = off.
     * At least 300 ms, so that heartbeats are at least 100 ms apart.
     */
    FRAISEQL_GATEWAY_EXECUTOR_LIVENESS_MS: configValue
      .durationMs({ min: 0, max: 3_600_000 })
      .pipe(z.number().refine((ms) => ms === 0 || ms >= 300, 'must be 0 (off) or at least 300 ms'))
      .default(3000),
    /** GraphQL requests handled at once; beyond it the gateway answers 503 FRAISEQL_OVERLOADED at once. */
    FRAISEQL_GATEWAY_MAX_IN_FLIGHT: configValue.positiveInt().default(1024),
    /** Largest HTTP request body in bytes (document + variables). */
    FRAISEQL_GATEWAY_BODY_LIMIT_BYTES: configValue.positiveInt({ min: 1024 }).default(1_048_576),
    /**
     * Change events queued for one subscriber (its WebSocket not keeping up) before it is
     * disconnected with FRAISEQL_SUBSCRIBER_TOO_SLOW.
     */
    FRAISEQL_GATEWAY_SUBSCRIPTION_MAX_QUEUE: configValue.positiveInt().default(1000),
    /** Subscriptions one WebSocket connection may hold; beyond it FRAISEQL_SUBSCRIPTION_LIMIT_EXCEEDED. */
    FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION: configValue.positiveInt().default(100),
    /** Subscriptions the gateway holds in all (each is a JetStream consumer); beyond it FRAISEQL_OVERLOADED. */
    FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS: configValue.positiveInt().default(10_000),
    /** HS256 key for bearer JWTs (claims sub, org_id, roles). Unset: no JWT auth. */
    FRAISEQL_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** `1` lets x-fraiseql-dev-* headers set the auth context. Refused when FRAISEQL_ENV=production. */
    FRAISEQL_DEV_AUTH: configValue.boolean().default(false),
    /**
     * Export downloads (`GET /v1/exports/<token>`, docs/jobs.md): the store the job-runner writes (`local:<dir>` or
     * `s3://bucket/prefix`, with the FRAISEQL_EXPORT_S3_* keys) and the key download links are signed with. Both or none.
     */
    ...exportConfigShape,
  }),
});

export type GatewayConfig = LoadedConfig<(typeof gatewayConfig)['schema']['shape']>;
