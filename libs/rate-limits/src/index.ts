export { addressRateLimitConfigShape, callerRateLimitConfigShape, rateLimitsOptionsFromConfig } from './rate-limit-config';
export { RateLimitedError, retryAfterSeconds, type RateLimiterName } from './rate-limited-error';
export { RateLimits, type RateLimitedEvent, type RateLimitRule, type RateLimitsDeps, type RateLimitsOptions } from './rate-limits';
export { roleRatesValue } from './role-rates-value';
