import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  service: string;
  version?: string;
  /** Defaults to `process.env`; read for the standard OTEL_* variables. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where spans go instead of the OTLP/HTTP exporter (still only when an endpoint is configured). For tests in a VM
   * sandbox (jest), where the exporter's dynamic `import('http')` cannot run.
   */
  traceExporter?: SpanExporter;
}

type SpanExporter = NonNullable<ConstructorParameters<typeof NodeSDK>[0]>['traceExporter'];

export interface Telemetry {
  /** True when spans are exported; false when no OTLP endpoint is configured or the SDK is disabled. */
  enabled: boolean;
  /** Flushes pending spans and stops the SDK (a no-op when not enabled). Safe to call twice. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing, exporting over OTLP/HTTP, only when an endpoint is configured
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT). Without one, the api's
 * no-op tracer stays in place, so services create spans unconditionally at no cost.
 * Metrics go through prom-client and logs through pino, so the SDK's metric and log
 * pipelines are kept off even if OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER are set.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const url = tracesEndpoint(env);
  if (isTrue(env.OTEL_SDK_DISABLED) || url === undefined) return { enabled: false, shutdown: async () => {} };

  const attributes: Record<string, string> = {};
  if (options.version) attributes[ATTR_SERVICE_VERSION] = options.version;
  const sdk = new NodeSDK({
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? options.service,
    resource: defaultResource().merge(resourceFromAttributes(attributes)),
    traceExporter: options.traceExporter ?? new OTLPTraceExporter({ url }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () => (stopping ??= sdk.shutdown()),
  };
}

/** The OTLP/HTTP traces URL per the spec: the signal-specific variable as is, else the base + `/v1/traces`. */
export function tracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const specific = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (specific) return specific;
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`;
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
