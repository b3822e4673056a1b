import { z } from 'zod';
import { plannerConfigShape } from '@fraiseql/graphql-runtime';
import { configValue, defineConfig, type LoadedConfig } from '@fraiseql/service-kit';

/** Configuration of observer-worker (docs/configuration.md, "observer-worker"). */
export const observerWorkerConfig = defineConfig({
  service: 'observer-worker',
  envPrefix: 'FRAISEQL_OBSERVER_',
  schema: z.object({
    /** Where the rules declared with the schema (and the entities every rule is checked against) come from: `kv` or a file. */
    FRAISEQL_SCHEMA_SOURCE: plannerConfigShape.FRAISEQL_SCHEMA_SOURCE,
    FRAISEQL_OBSERVER_OPS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_OBSERVER_OPS_PORT: configValue.port({ allowZero: true }).default(9104),
    /** Redis for "never twice at the receiver" (SET NX per rule, action and event) and attempt histories. */
    FRAISEQL_REDIS_URL: configValue.secret(configValue.url({ protocols: ['redis', 'rediss'] })).default('redis://127.0.0.1:6379'),
    /** `false`: no Redis at all (at least once only; a redelivered event repeats its actions). */
    FRAISEQL_OBSERVER_DEDUP: configValue.boolean().default(true),
    /** How long a done (rule, action, event) is remembered. */
    FRAISEQL_OBSERVER_DEDUP_TTL_MS: configValue.durationMs({ min: 60_000 }).default(7 * 86_400_000),
    /** Events handled at once by one replica (each runs all its actions concurrently). */
    FRAISEQL_OBSERVER_CONCURRENCY: configValue.positiveInt({ max: 10_000 }).default(64),
    /** Deliveries of one event before JetStream stops: the bound of every rule's maximumAttempts. */
    FRAISEQL_OBSERVER_MAX_DELIVER: configValue.positiveInt({ min: 2, max: 1000 }).default(25),
    /** Ack wait of a delivery: a replica that died mid-event gives it back after this. Above the slowest action. */
    FRAISEQL_OBSERVER_ACK_WAIT_MS: configValue.durationMs({ min: 1000, max: 3_600_000 }).default(30_000),
    /** Un-acked events across all replicas (JetStream max_ack_pending). */
    FRAISEQL_OBSERVER_MAX_ACK_PENDING: configValue.positiveInt({ max: 1_000_000 }).default(1000),
    /** `node service/provision.js` (the Helm pre-install/pre-upgrade Job): the whole run, retries included, ends by then. */
    FRAISEQL_OBSERVER_PROVISION_TIMEOUT_MS: configValue.durationMs({ min: 1000, max: 3_600_000 }).default(300_000),
    /** Budget of one action attempt when the rule sets no timeoutMs. */
    FRAISEQL_OBSERVER_ACTION_TIMEOUT_MS: configValue.durationMs({ min: 100, max: 300_000 }).default(10_000),
    /** The retry policy of rules that set none (exponential, full jitter). */
    FRAISEQL_OBSERVER_RETRY_INITIAL_MS: configValue.durationMs({ min: 0 }).default(1000),
    FRAISEQL_OBSERVER_RETRY_MAX_INTERVAL_MS: configValue.durationMs({ min: 0 }).default(300_000),
    FRAISEQL_OBSERVER_RETRY_MAX_ATTEMPTS: configValue.positiveInt({ min: 1, max: 1000 }).default(10),
    /** Hosts or CIDRs an action may call although they are private, loopback or link-local (the SSRF guard's exceptions). */
    FRAISEQL_OBSERVER_ALLOW_TARGETS: configValue.list().default([]),
    /** Calls in flight to one target host; more wait in a bounded queue. */
    FRAISEQL_OBSERVER_HOST_CONCURRENCY: configValue.positiveInt({ max: 1000 }).default(8),
    /** Calls waiting for a slot of one host; beyond it the action is deferred (or retried, in the replay lane). */
    FRAISEQL_OBSERVER_HOST_QUEUE: configValue.positiveInt({ max: 1_000_000 }).default(1024),
    /** A new action whose host would keep it waiting longer than this goes to the replay lane (ADR 0106); 0: never. */
    FRAISEQL_OBSERVER_DEFER_AFTER_MS: configValue.durationMs({ min: 0, max: 3_600_000 }).default(1000),
    /** Consecutive retryable failures that open a host's circuit, and how long it stays open. */
    FRAISEQL_OBSERVER_CIRCUIT_FAILURES: configValue.positiveInt({ max: 1000 }).default(5),
    FRAISEQL_OBSERVER_CIRCUIT_HALF_OPEN_MS: configValue.durationMs({ min: 100 }).default(30_000),
    /** SMTP relay of email actions; unset: email actions fail permanently with FRAISEQL_ACTION_INVALID. */
    FRAISEQL_OBSERVER_SMTP_URL: configValue.secret(configValue.url({ protocols: ['smtp', 'smtps'] })).optional(),
    FRAISEQL_OBSERVER_SMTP_FROM: z.string().trim().min(3).default('FraiseQL <observers@localhost>'),
    /** Base URL of the Twilio-compatible Messages API of sms actions. */
    FRAISEQL_OBSERVER_SMS_BASE_URL: configValue.url({ protocols: ['https', 'http'] }).default('https://api.twilio.com'),
    /** A directory with one file per secret (a mounted Kubernetes Secret): `{ "secret": "<file name>" }` in a rule. */
    FRAISEQL_OBSERVER_SECRETS_DIR: z.string().trim().min(1).optional(),
  }),
});

export type ObserverWorkerConfig = LoadedConfig<(typeof observerWorkerConfig)['schema']['shape']>;
