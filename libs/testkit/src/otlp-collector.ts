import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { waitFor } from './wait-for';

/** One span as the collector received it, flattened from OTLP's resource → scope → span nesting. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** The instrumentation scope (the tracer's name, e.g. `@fraiseql/gateway`). */
  scope: string;
  /** The resource's `service.name`. */
  service: string;
  attributes: Record<string, string | number | boolean>;
  links: Array<{ traceId: string; spanId: string }>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

export interface TestOtlpCollector {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  url: string;
  /** The traces URL, for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
  tracesUrl: string;
  /** Every span received so far, in arrival order. */
  spans(): CollectedSpan[];
  /** Waits until `predicate` holds for the spans received, and returns them. */
  waitForSpans(predicate: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]>;
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: OtlpKeyValue[];
  links?: Array<{ traceId: string; spanId: string }>;
  status?: { code?: number };
}
interface OtlpTraces {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }>;
  }>;
}

/**
 * A tiny OTLP/HTTP traces receiver on 127.0.0.1 (`port` 0: an ephemeral one): POST /v1/traces with the
 * OTLP JSON encoding (what @opentelemetry/exporter-trace-otlp-http sends), gzip or not. Protobuf bodies
 * are refused with 415, so a test configured for them fails loudly instead of seeing no spans.
 */
export async function startOtlpCollector(port = 0): Promise<TestOtlpCollector> {
  const received: CollectedSpan[] = [];
  const server: Server = createServer((request, response) => {
    void readBody(request).then(
      (body) => {
        if (request.method !== 'POST' || request.url?.split('?')[0] !== '/v1/traces') {
          response.writeHead(404).end();
          return;
        }
        if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) {
          response.writeHead(415).end();
          return;
        }
        try {
          received.push(...flatten(JSON.parse(body.toString('utf8')) as OtlpTraces));
        } catch {
          response.writeHead(400).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      },
      () => response.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    spans: () => [...received],
    async waitForSpans(predicate, timeoutMs = 15_000) {
      await waitFor(() => predicate([...received]), timeoutMs);
      return [...received];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

function flatten(traces: OtlpTraces): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const resourceSpans of traces.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          kind: span.kind ?? 0,
          scope: scopeSpans.scope?.name ?? '',
          service: String(resource['service.name'] ?? ''),
          attributes: attributesOf(span.attributes),
          links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
          status: span.status?.code ?? 0,
        });
      }
    }
  }
  return spans;
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (!value) continue;
    if (value.stringValue !== undefined) attributes[key] = value.stringValue;
    else if (value.intValue !== undefined) attributes[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) attributes[key] = value.doubleValue;
    else if (value.boolValue !== undefined) attributes[key] = value.boolValue;
    else if (value.arrayValue) attributes[key] = JSON.stringify(value.arrayValue.values ?? []);
  }
  return attributes;
}

/** The parts of an SDK span (ReadableSpan) the exporter below reads; structural, so testkit needs no SDK. */
interface FinishedSpan {
  name: string;
  kind: number;
  spanContext(): { traceId: string; spanId: string };
  parentSpanContext?: { spanId: string } | undefined;
  startTime: [number, number];
  endTime: [number, number];
  attributes: Record<string, unknown>;
  links: Array<{ context: { traceId: string; spanId: string } }>;
  status: { code: number };
  resource: { attributes: Record<string, unknown> };
  instrumentationScope: { name: string };
}

/**
 * A span exporter for tests running inside jest's VM sandbox, where the SDK's OTLP/HTTP exporter cannot load
 * `http` (it imports it dynamically): it POSTs the same OTLP JSON to `tracesUrl` with a static `http` request.
 * Hand it to startTelemetry's `traceExporter`.
 */
export function otlpJsonSpanExporter(tracesUrl: string): {
  export(spans: FinishedSpan[], done: (result: { code: number; error?: Error }) => void): void;
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
} {
  const pending = new Set<Promise<void>>();
  const post = (body: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const request = httpRequest(tracesUrl, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200 ? resolve() : reject(new Error(`collector answered ${response.statusCode}`)),
        );
      });
      request.on('error', reject);
      request.end(body);
    });
  return {
    export(spans, done) {
      const sending = post(JSON.stringify(toOtlpJson(spans))).then(
        () => done({ code: 0 }),
        (error: Error) => done({ code: 1, error }),
      );
      pending.add(sending);
      void sending.finally(() => pending.delete(sending));
    },
    shutdown: async () => {
      await Promise.all(pending);
    },
    forceFlush: async () => {
      await Promise.all(pending);
    },
  };
}

const nanos = ([seconds, nanoseconds]: [number, number]): string => (BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds)).toString();

function otlpValue(value: unknown): OtlpValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(otlpValue) } };
  return { stringValue: String(value) };
}

const otlpAttributes = (attributes: Record<string, unknown>): OtlpKeyValue[] =>
  Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ({ key, value: otlpValue(value) }));

/** OTLP JSON (ExportTraceServiceRequest): one resourceSpans per resource, one scopeSpans per scope; kind is OTLP's (SDK + 1). */
function toOtlpJson(spans: FinishedSpan[]): OtlpTraces & { resourceSpans: unknown[] } {
  const byResource = new Map<FinishedSpan['resource'], Map<string, FinishedSpan[]>>();
  for (const span of spans) {
    const scopes = byResource.get(span.resource) ?? new Map<string, FinishedSpan[]>();
    byResource.set(span.resource, scopes);
    scopes.set(span.instrumentationScope.name, [...(scopes.get(span.instrumentationScope.name) ?? []), span]);
  }
  return {
    resourceSpans: [...byResource].map(([resource, scopes]) => ({
      resource: { attributes: otlpAttributes(resource.attributes) },
      scopeSpans: [...scopes].map(([name, scopeSpans]) => ({
        scope: { name },
        spans: scopeSpans.map((span) => ({
          traceId: span.spanContext().traceId,
          spanId: span.spanContext().spanId,
          ...(span.parentSpanContext ? { parentSpanId: span.parentSpanContext.spanId } : {}),
          name: span.name,
          kind: span.kind + 1,
          startTimeUnixNano: nanos(span.startTime),
          endTimeUnixNano: nanos(span.endTime),
          attributes: otlpAttributes(span.attributes),
          links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId })),
          status: { code: span.status.code },
        })),
      })),
    })),
  };
}
