import { z } from 'zod';
import { configValue } from '@fraiseql/service-kit';
import type { RateLimitsOptions } from './rate-limits';
import { roleRatesValue } from './role-rates-value';

const requests = (fallback: number) => configValue.positiveInt({ min: 0, max: 1_000_000_000 }).default(fallback);
const windowSeconds = () => configValue.positiveInt({ min: 1, max: 86_400 }).default(1);

/**
 * The keys of the per-caller request rate (gateway and flight-server read the same ones, docs/security.md):
 * where the counters live, and the allowance of a principal (JWT subject) and of an API key.
 */
export const callerRateLimitConfigShape = {
  /** The Redis the counters live in, shared by every replica. Secret: a password in it is masked in logs. */
  FRAISEQL_REDIS_URL: configValue.secret(configValue.url({ protocols: ['redis', 'rediss'] })).default('redis://127.0.0.1:6379'),
  /** Prefix of every counter key (one per environment sharing a Redis). */
  FRAISEQL_RATE_LIMIT_KEY_PREFIX: z.string().trim().min(1).max(200).default('fraiseql:rl'),
  /** A Redis answer slower than this counts as an outage: the request is decided in memory instead. */
  FRAISEQL_RATE_LIMIT_REDIS_TIMEOUT_MS: configValue.durationMs({ min: 10, max: 10_000 }).default(200),
  /** Requests one principal (JWT subject, per org) may make per window; 0 = no limit. */
  FRAISEQL_RATE_LIMIT_PRINCIPAL_REQUESTS: requests(50),
  FRAISEQL_RATE_LIMIT_PRINCIPAL_WINDOW_S: windowSeconds(),
  /** Requests one API key may make per window; 0 = no limit. */
  FRAISEQL_RATE_LIMIT_API_KEY_REQUESTS: requests(100),
  FRAISEQL_RATE_LIMIT_API_KEY_WINDOW_S: windowSeconds(),
  /**
   * Per-role rates in requests per second, JSON: `{"analyst": 50, "admin": 1000}`. A caller holding any of these roles
   * gets the most generous of them instead of the principal/API key default (0 = unlimited).
   */
  FRAISEQL_RATE_LIMIT_ROLES: roleRatesValue().default({}),
};

/** The per-address keys: the gateway counts every request by client address before authenticating it. */
export const addressRateLimitConfigShape = {
  /** Requests one client IP address may make per window, counted before authentication; 0 = no limit. */
  FRAISEQL_RATE_LIMIT_IP_REQUESTS: requests(100),
  FRAISEQL_RATE_LIMIT_IP_WINDOW_S: windowSeconds(),
};

type CallerConfig = z.output<z.ZodObject<typeof callerRateLimitConfigShape>>;
type AddressConfig = z.output<z.ZodObject<typeof addressRateLimitConfigShape>>;

/** The limiter options of a loaded config (the per-address keys when the service has them). */
export function rateLimitsOptionsFromConfig(config: CallerConfig & Partial<AddressConfig>): RateLimitsOptions {
  return {
    redisUrl: config.FRAISEQL_REDIS_URL,
    keyPrefix: config.FRAISEQL_RATE_LIMIT_KEY_PREFIX,
    redisTimeoutMs: config.FRAISEQL_RATE_LIMIT_REDIS_TIMEOUT_MS,
    principal: { requests: config.FRAISEQL_RATE_LIMIT_PRINCIPAL_REQUESTS, windowS: config.FRAISEQL_RATE_LIMIT_PRINCIPAL_WINDOW_S },
    apiKey: { requests: config.FRAISEQL_RATE_LIMIT_API_KEY_REQUESTS, windowS: config.FRAISEQL_RATE_LIMIT_API_KEY_WINDOW_S },
    roleRates: config.FRAISEQL_RATE_LIMIT_ROLES,
    ...(config.FRAISEQL_RATE_LIMIT_IP_REQUESTS === undefined
      ? {}
      : { ip: { requests: config.FRAISEQL_RATE_LIMIT_IP_REQUESTS, windowS: config.FRAISEQL_RATE_LIMIT_IP_WINDOW_S ?? 1 } }),
  };
}
