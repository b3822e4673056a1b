import { setTimeout as sleep } from 'node:timers/promises';
import { FraiseqlError } from '@fraiseql/errors';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { CommonConfigShape } from './config/common-config';
import type { ConfigDefinition } from './config/define-config';
import { loadConfig, type LoadedConfig } from './config/load-config';
import { secretValuesOf } from './config/secret-values';
import { createLogger } from './create-logger';
import { lineScrubber } from './redact-log-line';
import { mayRetry, retryDelayMs, type RetryPolicy } from './retry-policy';

/**
 * Errors a later attempt cannot fix: a bad config, an edited or failing migration. Everything else (a store
 * that refuses connections, a NATS server still electing its JetStream leader) is retried until the deadline.
 */
export const PROVISION_NON_RETRYABLE = [
  'FRAISEQL_CONFIG_INVALID',
  'FRAISEQL_MIGRATION_CHECKSUM_MISMATCH',
  'FRAISEQL_MIGRATION_FAILED',
] as const;

/** Between attempts: 0.5 s, 1 s, 2 s, … up to 5 s (± 20 %), never past the deadline. */
export const PROVISION_RETRY_POLICY: RetryPolicy = {
  initialIntervalMs: 500,
  backoff: 'exponential',
  maximumIntervalMs: 5000,
  jitter: 0.2,
  nonRetryable: PROVISION_NON_RETRYABLE,
};

export interface ProvisionWithinOptions<T> {
  /** Names the run in messages (`query-executor`). */
  name: string;
  /** The whole run, every attempt and wait included, ends by then. */
  timeoutMs: number;
  logger: Pick<Logger, 'warn'>;
  /** One complete, idempotent provisioning pass; it opens and closes its own connections. */
  attempt(attempt: number): Promise<T>;
  retryPolicy?: RetryPolicy;
}

/**
 * Runs `attempt` until it succeeds, retrying on a schedule while a store is not reachable yet, within a total time
 * bound. Fails with FRAISEQL_PROVISION_FAILED (cause: the last error) once the bound passes or on an error that
 * retrying cannot fix. An attempt still running at the deadline is abandoned (the CLI exits, closing its sockets).
 */
export async function provisionWithin<T>(options: ProvisionWithinOptions<T>): Promise<T> {
  const policy = options.retryPolicy ?? PROVISION_RETRY_POLICY;
  const deadline = Date.now() + options.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), options.timeoutMs);
    timer.unref();
  });
  let last: unknown;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await Promise.race([options.attempt(attempt).then((value) => ({ value })), expired]);
        if (outcome === 'expired')
          throw failed(options, `not done within ${options.timeoutMs} ms (attempt ${attempt} still running)`, last);
        return outcome.value;
      } catch (error) {
        if (error instanceof FraiseqlError && error.code === 'FRAISEQL_PROVISION_FAILED') throw error;
        last = error;
        const code = codeOf(error);
        if (!mayRetry(policy, attempt, code)) throw failed(options, `attempt ${attempt} failed and cannot be retried`, error);
        const delay = Math.min(retryDelayMs(policy, attempt), deadline - Date.now());
        if (delay <= 0) throw failed(options, `not done within ${options.timeoutMs} ms after ${attempt} attempts`, error);
        options.logger.warn({ attempt, retryInMs: delay, code, err: error }, `${options.name} provision: attempt failed, retrying`);
        await sleep(delay);
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

export interface ProvisionContext<C> {
  config: C;
  logger: Logger;
}

export interface RunProvisionOptions<S extends z.ZodRawShape> {
  /** The service name (log `service` field, messages). */
  name: string;
  /** The service's own config definition: the Job gets the same environment as the Deployment. */
  config: ConfigDefinition<S>;
  /** The key of `config` holding the total time bound in ms (`<PREFIX>_PROVISION_TIMEOUT_MS`). */
  timeoutKey: keyof S & string;
  /** One pass; returns what it did (logged as the fields of "<name> provisioned"). */
  provision(context: ProvisionContext<LoadedConfig<S>>): Promise<Record<string, unknown>>;
}

/**
 * The frame of `node service/provision.js` (the Helm pre-install/pre-upgrade Job): config → logger → the service's
 * provisioning, retried within `<PREFIX>_PROVISION_TIMEOUT_MS` → exit 0, or exit 1 with the error code on stderr
 * (`<name> provision failed: FRAISEQL_PROVISION_FAILED: …`) and in the log line.
 */
export async function runProvision<S extends z.ZodRawShape>(options: RunProvisionOptions<S>): Promise<void> {
  const { name } = options;
  let scrub = lineScrubber([]);
  let logger: Logger | undefined;
  try {
    const config = loadConfig(options.config);
    const common = config as unknown as z.infer<z.ZodObject<CommonConfigShape>>;
    const redactValues = secretValuesOf(options.config, config);
    scrub = lineScrubber(redactValues);
    logger = createLogger({ service: name, level: common.FRAISEQL_LOG_LEVEL, pretty: common.FRAISEQL_LOG_PRETTY, redactValues });
    const runLogger = logger;
    const timeoutMs = Number(config[options.timeoutKey]);
    const started = Date.now();
    const summary = await provisionWithin({
      name,
      timeoutMs,
      logger: runLogger,
      attempt: () => options.provision({ config, logger: runLogger }),
    });
    runLogger.info({ ...summary, ms: Date.now() - started }, `${name} provisioned`);
    runLogger.flush();
    process.exit(0);
  } catch (error) {
    const code = codeOf(error) ?? 'FRAISEQL_PROVISION_FAILED';
    const message = error instanceof Error ? error.message : String(error);
    logger?.error({ err: error, code, causeCode: codeOf((error as { cause?: unknown } | null)?.cause) }, `${name} provision failed`);
    logger?.flush();
    process.stderr.write(scrub(`${name} provision failed: ${code}: ${message}\n`));
    process.exit(1);
  }
}

function failed(options: { name: string }, what: string, cause: unknown): FraiseqlError {
  const code = codeOf(cause);
  const reason =
    cause === undefined ? '' : `; last error${code ? ` (${code})` : ''}: ${cause instanceof Error ? cause.message : String(cause)}`;
  return new FraiseqlError('FRAISEQL_PROVISION_FAILED', `${options.name} provision: ${what}${reason}`, {
    cause,
    ...(code ? { details: { causeCode: code } } : {}),
  });
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
