import { z } from 'zod';
import { auditConfigShape } from '@fraiseql/audit';
import { authConfigShape } from '@fraiseql/auth';
import { graphqlRuntimeConfigShape, TRUSTED_DOCUMENTS_MODES } from '@fraiseql/graphql-runtime';
import { exportConfigShape } from '@fraiseql/job-export';
import { addressRateLimitConfigShape, callerRateLimitConfigShape } from '@fraiseql/rate-limits';
import { trustProxyValue } from './trust-proxy';
import { configValue, defineConfig, type LoadedConfig } from '@fraiseql/service-kit';

/** The export keys that are secrets (libs/job-export declares its shape without service-kit): FRAISEQL_*_FILE, masked in logs. */
const exportSecretKeys = {
  FRAISEQL_EXPORT_SIGNING_KEY: configValue.secret(exportConfigShape.FRAISEQL_EXPORT_SIGNING_KEY),
  FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY: configValue.secret(exportConfigShape.FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY),
  FRAISEQL_EXPORT_S3_SESSION_TOKEN: configValue.secret(exportConfigShape.FRAISEQL_EXPORT_S3_SESSION_TOKEN),
};

export const gatewayConfig = defineConfig({
  service: 'gateway',
  schema: z.object({
    ...graphqlRuntimeConfigShape,
    FRAISEQL_GATEWAY_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_GATEWAY_PORT: configValue.port({ allowZero: true }).default(4000),
    FRAISEQL_GATEWAY_OPS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_GATEWAY_OPS_PORT: configValue.port({ allowZero: true }).default(9101),
    /**
     * Native TLS on the API port (PEM files, e.g. a mounted kubernetes.io/tls Secret; reloaded on SIGHUP): both or
     * neither; unset = plain HTTP (TLS ended in front). The ops port stays plain HTTP (probes and scrapes, in-cluster).
     */
    FRAISEQL_GATEWAY_TLS_CERT_FILE: z.string().trim().min(1).optional(),
    FRAISEQL_GATEWAY_TLS_KEY_FILE: z.string().trim().min(1).optional(),
    /** CA bundle client certificates must chain to: set = every client must present one (mTLS). Needs the two above. */
    FRAISEQL_GATEWAY_TLS_CLIENT_CA_FILE: z.string().trim().min(1).optional(),
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
    /**
     * Trusted documents (KV FRAISEQL_DOCUMENTS, `fraiseql documents push`): `off` (default), `allow` (ids and any
     * document) or `strict` (registered documents only, else FRAISEQL_DOCUMENT_NOT_TRUSTED). docs/adr/0134-trusted-documents-and-limits.md.
     */
    FRAISEQL_GRAPHQL_TRUSTED_DOCUMENTS: z.enum(TRUSTED_DOCUMENTS_MODES).default('off'),
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
    /** Authentication (docs/security.md): HS256, an identity provider's JWKS or OIDC issuer, claims, API keys. */
    ...authConfigShape,
    /** `1` lets x-fraiseql-dev-* headers set the auth context. Refused when FRAISEQL_ENV=production. */
    FRAISEQL_DEV_AUTH: configValue.boolean().default(false),
    /** The audit log (docs/security.md, "Audit log"): entries held while JetStream is slow or away. */
    ...auditConfigShape,
    /**
     * Export downloads (`GET /v1/exports/<token>`, docs/jobs.md): the store the job-runner writes (`local:<dir>` or
     * `s3://bucket/prefix`, with the FRAISEQL_EXPORT_S3_* keys) and the key download links are signed with. Both or none.
     */
    ...exportConfigShape,
    ...exportSecretKeys,
    /** Request rate limits (docs/security.md, docs/adr/0133-rate-limits.md): per client address, principal, API key, role; Redis. */
    ...callerRateLimitConfigShape,
    ...addressRateLimitConfigShape,
    /** Whom to believe about the client address (X-Forwarded-For): false, true, or proxy addresses/CIDRs (comma-separated). */
    FRAISEQL_GATEWAY_TRUST_PROXY: trustProxyValue().default(false),
  }),
});

export type GatewayConfig = LoadedConfig<(typeof gatewayConfig)['schema']['shape']>;
