import { z } from 'zod';
import { auditConfigShape } from '@fraiseql/audit';
import { authConfigShape } from '@fraiseql/auth';
import { clickhouseConfigShape } from '@fraiseql/clickhouse';
import { plannerConfigShape } from '@fraiseql/graphql-runtime';
import { addressRateLimitConfigShape, callerRateLimitConfigShape } from '@fraiseql/rate-limits';
import { configValue, defineConfig, type LoadedConfig } from '@fraiseql/service-kit';

export const flightServerConfig = defineConfig({
  service: 'flight-server',
  envPrefix: 'FRAISEQL_FLIGHT_',
  schema: z.object({
    // FRAISEQL_SCHEMA_SOURCE and the document limits, as the gateway: graphql tickets are planned here too
    // (no cursor secret: Flight serves no Relay cursors).
    ...plannerConfigShape,
    FRAISEQL_FLIGHT_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_FLIGHT_PORT: configValue.port({ allowZero: true }).default(8815),
    /** Native TLS on the gRPC port (PEM files, e.g. a mounted kubernetes.io/tls Secret): both or neither; unset = plaintext. */
    FRAISEQL_FLIGHT_TLS_CERT_FILE: z.string().trim().min(1).optional(),
    FRAISEQL_FLIGHT_TLS_KEY_FILE: z.string().trim().min(1).optional(),
    /** CA bundle client certificates must chain to: set = every client must present one at the handshake (mTLS). */
    FRAISEQL_FLIGHT_TLS_CLIENT_CA_FILE: z.string().trim().min(1).optional(),
    FRAISEQL_FLIGHT_OPS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_FLIGHT_OPS_PORT: configValue.port({ allowZero: true }).default(9103),
    /** PostgreSQL as the role fraiseql_flight (SELECT on va_/ta_/v_, INSERT/DELETE on ta_; migrations/postgres/0004). */
    FRAISEQL_FLIGHT_DATABASE_URL: configValue
      .secret(configValue.url({ protocols: ['postgres', 'postgresql'] }))
      .default('postgres://fraiseql_flight@127.0.0.1:5432/fraiseql'),
    FRAISEQL_FLIGHT_POOL_MAX: configValue.positiveInt({ max: 1000 }).default(10),
    /** DoGet/DoPut/refresh streams served at once; one more is refused at once with RESOURCE_EXHAUSTED (FRAISEQL_OVERLOADED). */
    FRAISEQL_FLIGHT_MAX_CONCURRENT_STREAMS: configValue.positiveInt({ max: 10_000 }).default(8),
    /** Streams one principal may hold at once on this server; one more is refused with FRAISEQL_STREAM_LIMIT_EXCEEDED. 0 = no bound. */
    FRAISEQL_FLIGHT_MAX_STREAMS_PER_PRINCIPAL: configValue.positiveInt({ min: 0, max: 10_000 }).default(4),
    /** Rows one DoGet may send; past it the stream ends with FRAISEQL_ROW_LIMIT_EXCEEDED after the first rows. 0 = no bound. */
    FRAISEQL_FLIGHT_MAX_ROWS_PER_TICKET: configValue.positiveInt({ min: 0 }).default(0),
    /** Rows per Arrow RecordBatch (each FlightData message carries one batch). */
    FRAISEQL_FLIGHT_BATCH_SIZE: configValue.positiveInt({ min: 1, max: 1_048_576 }).default(65_536),
    /**
     * A batch also ends once its rows took this many bytes, so one FlightData message stays under the
     * 4 MiB default message limit of many gRPC clients (tonic, grpc-java) even with wide rows.
     */
    FRAISEQL_FLIGHT_BATCH_MAX_BYTES: configValue.positiveInt({ min: 65_536, max: 1_073_741_824 }).default(3 * 1024 * 1024),
    /** statement_timeout of each stream's SQL; 0 = none (bulk exports can be long). */
    FRAISEQL_FLIGHT_STATEMENT_TIMEOUT_MS: configValue.durationMs({ min: 0 }).default(0),
    /** HMAC key of tickets and session tokens: at least 32 characters and the same on every replica. Required in production. */
    FRAISEQL_FLIGHT_TICKET_SECRET: configValue.secret(z.string().min(32, 'must be at least 32 characters')).optional(),
    /** How long a ticket from GetFlightInfo stays valid. */
    FRAISEQL_FLIGHT_TICKET_TTL_MS: configValue.durationMs({ min: 1000, max: 86_400_000 }).default(300_000),
    /** How long a Handshake session token stays valid (never longer than the JWT it was made from). */
    FRAISEQL_FLIGHT_SESSION_TTL_MS: configValue.durationMs({ min: 1000, max: 86_400_000 }).default(900_000),
    /** Estimated rows per endpoint when an export is split into partitions (at most 1024 partitions). */
    FRAISEQL_FLIGHT_PARTITION_ROWS: configValue.positiveInt({ min: 1 }).default(1_000_000),
    /** A URI clients should use for the endpoints (e.g. grpc+tls://flight.example.com:443); unset: the one they called. */
    FRAISEQL_FLIGHT_PUBLIC_LOCATION: z
      .string()
      .trim()
      .regex(/^grpc(\+tls|\+tcp)?:\/\/[^\s]+$/, 'must be a grpc://, grpc+tcp:// or grpc+tls:// URI')
      .optional(),
    /** Largest gRPC message received (DoPut batches): bytes. */
    FRAISEQL_FLIGHT_MAX_RECEIVE_BYTES: configValue.positiveInt({ min: 1024 }).default(256 * 1024 * 1024),
    /**
     * Analytics datasets: FRAISEQL_CLICKHOUSE_URL (a server to read them from, the sink's keys) with _USER, _PASSWORD,
     * _DATABASE; unset: ask the sink over NATS (its embedded engine).
     */
    ...clickhouseConfigShape,
    /** Longest wait for an analytics answer: ClickHouse's HTTP request, or the sink's reply over NATS. */
    FRAISEQL_FLIGHT_ANALYTICS_TIMEOUT_MS: configValue.durationMs({ min: 1000, max: 3_600_000 }).default(120_000),
    /** Authentication, as the gateway (docs/security.md): HS256, an identity provider's JWKS or OIDC issuer, claims, API keys. */
    ...authConfigShape,
    /** `1` lets x-fraiseql-dev-* metadata set the caller. Refused when FRAISEQL_ENV=production. */
    FRAISEQL_DEV_AUTH: configValue.boolean().default(false),
    /** The audit log (docs/security.md, "Audit log"): entries held while JetStream is slow or away. */
    ...auditConfigShape,
    /** Request rate of every call but Handshake, as the gateway's (docs/security.md): per principal, API key, role; Redis. */
    ...callerRateLimitConfigShape,
    /** Calls per client address (Handshake included), counted before credentials are read. */
    ...addressRateLimitConfigShape,
  }),
});

export type FlightServerConfig = LoadedConfig<(typeof flightServerConfig)['schema']['shape']>;
