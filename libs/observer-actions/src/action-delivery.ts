import { AsyncLocalStorage } from 'node:async_hooks';
import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { permanent, retryable, type ActionOutcome, type ActionType } from './action-outcome';
import { createActionMetrics, type ActionMetrics } from './action-metrics';
import { GuardedHttpClient, type HttpAnswerClassifier, type HttpClientOptions } from './guarded-http-client';
import { HostIsolation, type CircuitStateName, type HostIsolationOptions } from './host-isolation';
import { TargetAddressPolicy, type TargetAddressPolicyOptions } from './target-address-policy';

export interface ActionDeliveryOptions {
  /** The service's registry; the observer action metrics are registered on it. */
  registry: Registry;
  /** SSRF guard of every HTTP action (webhook, Slack, SMS, push): `allow` lists hosts or CIDRs, `resolve` replaces DNS. */
  ssrf?: TargetAddressPolicyOptions;
  http?: HttpClientOptions;
  perHost?: HostIsolationOptions;
}

/** One rendered HTTP call of an action. */
export interface HttpCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
  /** Aborts the call (see HttpRequestSpec.signal). */
  signal?: AbortSignal;
  /** Sends the action span's W3C `traceparent` (and `tracestate`) to the receiver (webhooks: the user's own systems). */
  propagateTrace?: boolean;
}

/**
 * What every action client shares: the metrics, the isolation per target host and the guarded HTTP client.
 * A service makes one and hands it to each client; `close()` ends the HTTP connections.
 */
export class ActionDelivery {
  readonly metrics: ActionMetrics;
  readonly addressPolicy: TargetAddressPolicy;
  private readonly isolation: HostIsolation;
  private readonly http: GuardedHttpClient;
  /** The queue-wait budget of the client call in progress (see withMaxWait). */
  private readonly waitBudget = new AsyncLocalStorage<number>();

  constructor(options: ActionDeliveryOptions) {
    this.metrics = createActionMetrics(options.registry);
    this.isolation = new HostIsolation(options.perHost ?? {}, this.metrics.circuitState);
    this.addressPolicy = new TargetAddressPolicy(options.ssrf);
    this.http = new GuardedHttpClient(this.addressPolicy, this.isolation.concurrencyPerHost, options.http);
  }

  /**
   * Runs one action against `host` with metrics and isolation. Whatever `attempt` throws becomes a retryable
   * FRAISEQL_ACTION_FAILED outcome: a client never lets an unclassified error out.
   */
  execute(actionType: ActionType, host: string, attempt: () => Promise<ActionOutcome>): Promise<ActionOutcome> {
    // One CLIENT span per attempt, a child of the caller's context (the consumer span of the event, or a job's span).
    // The attempt runs in it explicitly: a call that waited in its host's queue is started by whichever call freed
    // the slot, in that call's context, and would otherwise join the wrong trace.
    const parent = otelContext.active();
    const span = trace
      .getTracer('@fraiseql/observer-actions')
      .startSpan(
        `observer action ${actionType}`,
        { kind: SpanKind.CLIENT, attributes: { 'fraiseql.action.type': actionType, 'server.address': host } },
        parent,
      );
    const inSpan = trace.setSpan(parent, span);
    const outcome = this.metrics.track(actionType, async () => {
      const began = Date.now();
      try {
        return await this.isolation.run(
          host,
          async () => {
            try {
              return await otelContext.with(inSpan, attempt);
            } catch (error) {
              return unexpected(error, Date.now() - began);
            }
          },
          this.waitBudget.getStore(),
        );
      } catch (error) {
        return unexpected(error, Date.now() - began);
      }
    });
    return outcome.then((result) => {
      endActionSpan(span, result);
      return result;
    });
  }

  /** Sends one HTTP call of an action: URL checked, then isolated per `host:port`, SSRF-guarded, classified. */
  sendHttp(actionType: ActionType, call: HttpCall, classify?: HttpAnswerClassifier): Promise<ActionOutcome> {
    const url = parseHttpUrl(call.url);
    if (typeof url === 'string') return this.metrics.track(actionType, async () => permanent('FRAISEQL_ACTION_INVALID', url, 0));
    return this.execute(actionType, url.host, () => {
      const headers = { ...call.headers };
      // In the action span's context (execute runs the attempt in it): the receiver continues this trace.
      if (call.propagateTrace) propagation.inject(otelContext.active(), headers);
      return this.http.send(
        { url, method: call.method, headers, body: call.body, timeoutMs: call.timeoutMs, signal: call.signal },
        classify,
      );
    });
  }

  /**
   * Runs `send` (one client call) so that the action gives up its place in its host's queue after `maxWaitMs`
   * without a slot, answering FRAISEQL_ACTION_HOST_BUSY instead of waiting on (the observer-worker then defers it).
   */
  withMaxWait<T>(maxWaitMs: number, send: () => Promise<T>): Promise<T> {
    return this.waitBudget.run(maxWaitMs, send);
  }

  /** How long an action against `host` (`host:port`) takes now (0 for a host not seen; see HostIsolation). */
  latencyMs(host: string): number {
    return this.isolation.latencyMs(host);
  }

  /** The circuit state of a target host (`host` or `host:port` as in its URL), `undefined` if never called. */
  circuitState(host: string): CircuitStateName | undefined {
    return this.isolation.state(host);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** A URL an action may call (http or https, no credentials in it), or the reason it may not. */
function parseHttpUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `not a URL: ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs may be called, not ${url.protocol}`;
  if (url.username || url.password) return 'credentials in the URL are not allowed; use a header';
  return url;
}

/** Ends an action's span with its outcome: `fraiseql.action.outcome`, the HTTP status, and the code of a failure. */
function endActionSpan(span: Span, outcome: ActionOutcome): void {
  span.setAttribute('fraiseql.action.outcome', outcome.kind);
  if (outcome.status !== undefined) span.setAttribute('http.response.status_code', outcome.status);
  if (outcome.kind !== 'success') {
    span.setAttribute('fraiseql.error.code', outcome.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.code });
  }
  span.end();
}

function unexpected(error: unknown, latencyMs: number): ActionOutcome {
  const message = error instanceof Error ? error.message : String(error);
  return retryable('FRAISEQL_ACTION_FAILED', `unexpected failure: ${message}`, latencyMs, { cause: error });
}
