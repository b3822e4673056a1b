import {
  context as contextApi,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

export type { Attributes, Context, Span } from '@opentelemetry/api';

/** Incoming headers or metadata, read-only: one value or several per lower-case key. */
export type TraceCarrier = Record<string, string | string[] | undefined>;

/** One unit of work a service does for a caller, and the context its child spans start from. */
export interface ServerSpan {
  span: Span;
  /** The span as the active context: pass to childSpan / tracedIterable, or run work in it. */
  context: Context;
  /** Runs `work` with the span as the active context (calls it makes continue the trace). */
  run<T>(work: () => T): T;
  /** Ends the span; a code marks it failed (status ERROR, `fraiseql.error.code`). Later calls are ignored. */
  end(code?: string): void;
}

/**
 * Starts a SERVER span continued from the W3C `traceparent` / `tracestate` of `carrier` (HTTP
 * headers, gRPC metadata as an object); a missing or malformed one starts a new trace.
 */
export function startServerSpan(tracer: string, name: string, carrier: TraceCarrier | undefined, attributes: Attributes = {}): ServerSpan {
  let parent: Context = ROOT_CONTEXT;
  try {
    if (carrier) parent = propagation.extract(ROOT_CONTEXT, carrier);
  } catch {
    parent = ROOT_CONTEXT;
  }
  const span = trace.getTracer(tracer).startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  let ended = false;
  const context = trace.setSpan(parent, span);
  return {
    span,
    context,
    run: (work) => contextApi.with(context, work),
    end(code) {
      if (ended) return;
      ended = true;
      markFailed(span, code);
      span.end();
    },
  };
}

/** Runs `work` in a child span of `parent`; a thrown error marks the span with its code (FraiseqlError's or FRAISEQL_INTERNAL). */
export async function childSpan<T>(
  parent: Context,
  tracer: string,
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const span = trace.getTracer(tracer).startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
  try {
    return await contextApi.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    markFailed(span, codeOf(error));
    throw error;
  } finally {
    span.end();
  }
}

/**
 * `source`, read inside a child span of `parent` that lasts from the first item to the last (or
 * the failure, or the consumer stopping early; no parent: the active context); `items` counts what was read (`fraiseql.items`
 * unless named) and is set when the span ends.
 */
export async function* tracedIterable<T>(
  parent: Context | undefined,
  tracer: string,
  name: string,
  attributes: Attributes,
  source: AsyncIterable<T>,
  count: (item: T) => number = () => 1,
  countAttribute = 'fraiseql.items',
): AsyncGenerator<T> {
  const span = trace.getTracer(tracer).startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent ?? contextApi.active());
  let items = 0;
  try {
    for await (const item of source) {
      items += count(item);
      yield item;
    }
  } catch (error) {
    markFailed(span, codeOf(error));
    throw error;
  } finally {
    span.setAttribute(countAttribute, items);
    span.end();
  }
}

/** Adds attributes to the active span, if any (e.g. the caller's org once it is authenticated). */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

function markFailed(span: Span, code: string | undefined): void {
  if (code === undefined) return;
  span.setAttribute('fraiseql.error.code', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('FRAISEQL_') ? code : 'FRAISEQL_INTERNAL';
}
