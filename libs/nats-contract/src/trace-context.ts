import {
  context as contextApi,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Match, type MsgHdrs } from 'nats';

/**
 * W3C trace context (`traceparent`, `tracestate`) in NATS headers. The propagator is used
 * directly rather than through the global one, so context crosses every hop even in a
 * process where the OpenTelemetry SDK was not started.
 */
const propagator = new W3CTraceContextPropagator();

const setter: TextMapSetter<MsgHdrs> = {
  set: (headers, key, value) => headers.set(key, value),
};

const getter: TextMapGetter<MsgHdrs> = {
  keys: (headers) => headers.keys(),
  get: (headers, key) => {
    const values = headers.values(key, Match.IgnoreCase);
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  },
};

/** Writes the span context of `context` (default: the active one) into the headers; no-op without a span. */
export function injectTraceContext(headers: MsgHdrs, context: Context = contextApi.active()): void {
  propagator.inject(context, headers, setter);
}

/** Returns `base` (default: root) carrying the remote span context found in the headers, if any. */
export function extractTraceContext(headers: MsgHdrs | undefined, base: Context = ROOT_CONTEXT): Context {
  return headers ? propagator.extract(base, headers, getter) : base;
}

/** What a messaging span is about: the subject, and anything the caller adds. */
export interface MessagingSpanOptions {
  /** The instrumentation scope (`@fraiseql/<package>`): tells the services apart in one trace. */
  tracer: string;
  /** The span name, e.g. `job-api enqueue`. */
  name: string;
  subject: string;
  attributes?: Attributes;
}

/**
 * Runs `work` in a CLIENT span (a child of the active context) whose context is written into
 * `headers` first, so the responder continues this trace. A failure marks the span with its code.
 */
export async function withRequestSpan<T>(options: MessagingSpanOptions, headers: MsgHdrs, work: () => Promise<T>): Promise<T> {
  const span = trace.getTracer(options.tracer).startSpan(options.name, {
    kind: SpanKind.CLIENT,
    attributes: { 'messaging.system': 'nats', 'messaging.destination.name': options.subject, ...options.attributes },
  });
  const active = trace.setSpan(contextApi.active(), span);
  injectTraceContext(headers, active);
  return endSpanAfter(span, () => contextApi.with(active, work));
}

/**
 * Runs `work` in a SERVER span continued from the message's `traceparent` (a malformed one starts
 * a new trace rather than failing the request); the span is the active context while `work` runs.
 */
export async function withHandlerSpan<T>(options: MessagingSpanOptions, headers: MsgHdrs | undefined, work: () => Promise<T>): Promise<T> {
  let parent: Context;
  try {
    parent = extractTraceContext(headers);
  } catch {
    parent = ROOT_CONTEXT;
  }
  const span = trace.getTracer(options.tracer).startSpan(
    options.name,
    {
      kind: SpanKind.SERVER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': options.subject, ...options.attributes },
    },
    parent,
  );
  return endSpanAfter(span, () => contextApi.with(trace.setSpan(parent, span), work));
}

/** The `traceparent` of the active span (to store with work that runs later), or undefined without one. */
export function activeTraceparent(context: Context = contextApi.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, { set: (c, key, value) => (c[key] = value) });
  return carrier.traceparent;
}

/** The span context a stored `traceparent` names (for a span link), or undefined when it is absent or malformed. */
export function spanContextOf(traceparent: string | null | undefined): SpanContext | undefined {
  if (!traceparent) return undefined;
  const context = propagator.extract(ROOT_CONTEXT, { traceparent }, { keys: (c) => Object.keys(c), get: (c, key) => c[key] });
  const spanContext = trace.getSpanContext(context);
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** What a span of deferred work is about. */
export interface LinkedSpanOptions {
  tracer: string;
  name: string;
  attributes?: Attributes;
}

/**
 * Runs `work` in a CONSUMER span that starts its own trace and links to the one a stored
 * `traceparent` names (work done later, maybe several times, such as a job's attempts: a child
 * would stretch the enqueuing trace over hours). The span is the active context while `work` runs.
 */
export async function withLinkedSpan<T>(
  options: LinkedSpanOptions,
  traceparent: string | null | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const linked = spanContextOf(traceparent);
  const span = trace.getTracer(options.tracer).startSpan(
    options.name,
    {
      kind: SpanKind.CONSUMER,
      root: true,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      links: linked ? [{ context: linked }] : [],
    },
    ROOT_CONTEXT,
  );
  return endSpanAfter(span, () => contextApi.with(trace.setSpan(ROOT_CONTEXT, span), work));
}

/** The error's stable code (FraiseqlError, NatsError) for the span, or FRAISEQL_INTERNAL. */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('FRAISEQL_') ? code : 'FRAISEQL_INTERNAL';
}

async function endSpanAfter<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const code = codeOf(error);
    span.setAttribute('fraiseql.error.code', code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    throw error;
  } finally {
    span.end();
  }
}
