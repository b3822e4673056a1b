import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/common-config';
import { CREDENTIAL_HEADER_PATHS, lineScrubber, REDACTED } from './redact-log-line';

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /**
   * Human-readable output for local development. Uses pino-pretty when it is installed;
   * otherwise stays JSON lines, so a missing dev tool never breaks a service.
   */
  pretty?: boolean;
  /** Where lines go; defaults to stdout. Tests pass a stream to read them back. */
  destination?: DestinationStream;
  /**
   * Secret strings (the config's `configValue.secret` values: `secretValuesOf`) replaced by `[REDACTED]` wherever
   * they appear in a line — in a message, an error, any field.
   */
  redactValues?: readonly string[];
}

export type { Logger };

/**
 * A pino logger writing JSON lines with `service`, `pid` and `hostname` on every line. Credentials never reach a
 * line: credential headers are censored by path, and every finished line is scrubbed of URL passwords and of the
 * `redactValues` (docs/adr/0135-secrets-and-transport.md).
 */
export function createLogger(options: LoggerOptions): Logger {
  const config: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid, hostname: hostname() },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level as its name: log pipelines filter on "error", not on 50.
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: CREDENTIAL_HEADER_PATHS, censor: REDACTED },
    // On the serialized line, so a secret inside a message, an error's stack or a nested field is caught as well.
    hooks: { streamWrite: lineScrubber(options.redactValues ?? []) },
  };
  if (options.destination) return pino(config, options.destination);
  if (options.pretty && prettyAvailable()) {
    return pino({
      ...config,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' },
      },
    });
  }
  return pino(config);
}

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
