import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { CommonConfigShape } from './config/common-config';
import { servicePrefix, type ConfigDefinition } from './config/define-config';
import { loadConfig, type LoadedConfig } from './config/load-config';
import { secretValuesOf } from './config/secret-values';
import { createLogger } from './create-logger';
import { lineScrubber } from './redact-log-line';
import { createMetrics } from './create-metrics';
import { installShutdown, type ShutdownControl, type ShutdownStep } from './install-shutdown';
import { startOpsServer, type OpsServerOptions, type ReadinessCheck } from './start-ops-server';
import { startTelemetry } from './start-telemetry';

/** What `runService` hands to the service's own start-up. */
export interface ServiceContext<C> {
  /** The validated config (common keys + the service's own). */
  config: C;
  logger: Logger;
  /** The service's Prometheus registry, served on the ops port's /metrics. */
  registry: Registry;
}

/** What a started service gives back to the frame. */
export interface StartedService {
  /** Named /readyz checks (dependencies reachable, consumers bound). */
  readinessChecks?: Record<string, ReadinessCheck>;
  /**
   * The service's own shutdown, in order (stop taking work, drain, close connections): run after
   * "mark not ready", before "flush telemetry" and "close ops server".
   */
  shutdownSteps: ShutdownStep[];
  /** Fields of the "<name> started" log line, next to `opsAddress`. */
  startedFields?: Record<string, unknown>;
  /** Routes of the service's own on the ops port (OpsServerOptions.routes). */
  opsRoutes?: OpsServerOptions['routes'];
}

export interface RunServiceOptions<S extends z.ZodRawShape> {
  /** The service name: log `service` field, metrics label, trace service name, the "started" / "failed to start" lines. */
  name: string;
  /** Its config definition; the ops server binds `<envPrefix>OPS_HOST` / `<envPrefix>OPS_PORT` of it. */
  config: ConfigDefinition<S>;
  /** Connects and starts the service's own work; a throw ends the process with "<name> failed to start: …". */
  start(context: ServiceContext<LoadedConfig<S>>): Promise<StartedService>;
}

/** The running frame (tests): where the ops server listens, and the shutdown sequence SIGTERM runs. */
export interface ServiceRun {
  opsAddress: string;
  shutdown: ShutdownControl['shutdown'];
}

/**
 * The start-up every service shares: config → logger → telemetry → metrics → the service's
 * `start` → ops server → shutdown on SIGTERM/SIGINT (mark not ready → the service's steps →
 * flush telemetry → close ops server) → "<name> started". Any start-up error is printed on
 * stderr as "<name> failed to start: <message>" and the process exits 1; the promise then
 * resolves to undefined.
 */
export async function runService<S extends z.ZodRawShape>(options: RunServiceOptions<S>): Promise<ServiceRun | undefined> {
  const { name } = options;
  // Until the config is read, only URL passwords are known to be secret (a config error never shows a secret value).
  let scrub = lineScrubber([]);
  try {
    const config = loadConfig(options.config);
    // The common keys, typed as such (TypeScript cannot see them through the generic service shape).
    const common = config as unknown as z.infer<z.ZodObject<CommonConfigShape>>;
    const redactValues = secretValuesOf(options.config, config);
    scrub = lineScrubber(redactValues);
    const logger = createLogger({
      service: name,
      level: common.FRAISEQL_LOG_LEVEL,
      pretty: common.FRAISEQL_LOG_PRETTY,
      redactValues,
    });
    const telemetry = startTelemetry({ service: name });
    const { registry } = createMetrics({ service: name });

    const service = await options.start({ config, logger, registry });

    const ops = await startOpsServer({
      ...opsBinding(options.config, common),
      registry,
      logger,
      ...(service.readinessChecks ? { checks: service.readinessChecks } : {}),
      ...(service.opsRoutes ? { routes: service.opsRoutes } : {}),
    });
    const control = installShutdown({
      logger,
      deadlineMs: common.FRAISEQL_SHUTDOWN_DEADLINE_MS,
      steps: [
        { name: 'mark not ready', run: async () => ops.markShuttingDown() },
        ...service.shutdownSteps,
        { name: 'flush telemetry', run: () => telemetry.shutdown() },
        { name: 'close ops server', run: () => ops.close() },
      ],
    });
    logger.info({ ...service.startedFields, opsAddress: ops.address }, `${name} started`);
    return { opsAddress: ops.address, shutdown: control.shutdown };
  } catch (error) {
    // Config errors name every bad key in their message; print it plainly for the operator.
    process.stderr.write(scrub(`${name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`));
    process.exit(1);
    return undefined;
  }
}

/** `<envPrefix>OPS_HOST` and `<envPrefix>OPS_PORT` of the loaded config (every service declares both). */
function opsBinding(definition: ConfigDefinition<z.ZodRawShape>, config: Record<string, unknown>): { host: string; port: number } {
  const prefix = definition.envPrefix ?? servicePrefix(definition.service);
  const host = config[`${prefix}OPS_HOST`];
  const port = config[`${prefix}OPS_PORT`];
  if (typeof host !== 'string' || typeof port !== 'number') {
    throw new Error(`config of ${definition.service} must declare ${prefix}OPS_HOST (string) and ${prefix}OPS_PORT (port)`);
  }
  return { host, port };
}
