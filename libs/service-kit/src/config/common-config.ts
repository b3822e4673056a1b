import { z } from 'zod';
import { configValue } from './config-value';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Keys every service understands, merged into each service's own schema by `loadConfig`. */
export const commonConfigShape = {
  FRAISEQL_ENV: z.enum(['development', 'production']).default('production'),
  FRAISEQL_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Human-readable logs (pino-pretty) instead of JSON lines; `npm start` sets it on a terminal. */
  FRAISEQL_LOG_PRETTY: configValue.boolean().default(false),
  /** Secret: a `user:password@` in it is masked in logs, and it may be given as FRAISEQL_NATS_URL_FILE. */
  FRAISEQL_NATS_URL: configValue.secret(configValue.url({ protocols: ['nats', 'tls', 'ws', 'wss'] })).default('nats://127.0.0.1:4222'),
  FRAISEQL_SHUTDOWN_DEADLINE_MS: configValue.durationMs().default(10_000),
  /** Path of an optional JSON file holding the same keys (env overrides file overrides defaults). */
  FRAISEQL_CONFIG_FILE: z.string().min(1).optional(),
};

export type CommonConfigShape = typeof commonConfigShape;
