import { context as contextApi, ROOT_CONTEXT, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
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
