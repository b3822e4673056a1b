import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { FraiseqlError } from '@fraiseql/errors';
import { permanent, retryable, type ActionOutcome } from './action-outcome';
import { classifyHttpStatus, type HttpAnswer } from './classify-http-status';
import { TargetAddressPolicy } from './target-address-policy';

export interface HttpClientOptions {
  /** Whole request, from connect to the last body byte, unless the request sets its own. Default 10 000. */
  timeoutMs?: number;
  /** TCP + TLS handshake. Default 5 000. */
  connectTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this. Default 30 000. */
  keepAliveTimeoutMs?: number;
  /** Response body bytes kept for the outcome (reason, detail); the rest is read and dropped. Default 16 384. */
  maxResponseBytes?: number;
  /** TLS options for every connection (e.g. `ca` of an internal CA, `rejectUnauthorized`). */
  tls?: Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'minVersion'>;
}

/** One rendered HTTP request. */
export interface HttpRequestSpec {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
  /** Aborts the request (a job cancelled or handed back): the connection is dropped, nothing waits for the answer. */
  signal?: AbortSignal;
}

/** Turns the receiver's answer into an outcome (default: `classifyHttpStatus`). */
export type HttpAnswerClassifier = (answer: HttpAnswer) => ActionOutcome;

/** A body larger than this is not drained for keep-alive: the connection is dropped instead. */
const MAX_DRAIN_BYTES = 1 << 20;

/**
 * HTTP over one undici Agent (a Pool per origin, so connections are reused per host), whose connector
 * resolves the host through the SSRF policy and connects to the very address it checked: a DNS answer that
 * changes between the check and the connect (rebinding) cannot redirect the connection.
 */
export class GuardedHttpClient {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(policy: TargetAddressPolicy, connectionsPerHost: number, options: HttpClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 16_384;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    const connectTo = buildConnector({ timeout: connectTimeoutMs, ...options.tls });
    this.agent = new Agent({
      connections: connectionsPerHost,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      // The request's own AbortSignal is the deadline; these only stop a connection that is wedged past it.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (connectOptions, callback) => {
        const hostname = connectOptions.hostname.replace(/^\[(.*)\]$/, '$1');
        policy.addressFor(hostname).then(
          (address) =>
            connectTo(
              { ...connectOptions, hostname: address, servername: connectOptions.servername ?? (isIP(hostname) ? undefined : hostname) },
              callback,
            ),
          (error: Error) => callback(error, null),
        );
      },
    });
  }

  async send(spec: HttpRequestSpec, classify: HttpAnswerClassifier = classifyHttpStatus): Promise<ActionOutcome> {
    const began = Date.now();
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const stop = (): void => controller.abort(spec.signal?.reason);
    spec.signal?.addEventListener('abort', stop, { once: true });
    if (spec.signal?.aborted) stop();
    try {
      const response = await this.agent.request({
        origin: spec.url.origin,
        path: `${spec.url.pathname}${spec.url.search}`,
        method: spec.method as Dispatcher.HttpMethod,
        headers: spec.headers,
        body: spec.body,
        signal: controller.signal,
      });
      const bodyText = await this.readBody(response.body);
      return classify({ status: response.statusCode, headers: response.headers, bodyText, latencyMs: Date.now() - began });
    } catch (error) {
      const latencyMs = Date.now() - began;
      if (timedOut)
        return retryable('FRAISEQL_ACTION_TIMEOUT', `no complete answer from ${spec.url.host} within ${timeoutMs} ms`, latencyMs);
      return classifyHttpError(error, spec.url.host, latencyMs);
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', stop);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async readBody(body: Dispatcher.ResponseData['body']): Promise<string> {
    const kept: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size < this.maxResponseBytes) kept.push(chunk.subarray(0, this.maxResponseBytes - size));
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) {
        body.destroy();
        break;
      }
    }
    return Buffer.concat(kept).toString('utf8');
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const INVALID_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_CHAR']);

/** A failure with no HTTP answer: blocked by the SSRF guard (permanent), a bad request (permanent), or the network (retryable). */
export function classifyHttpError(error: unknown, host: string, latencyMs: number): ActionOutcome {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof FraiseqlError) return permanent(e.code, e.message, latencyMs, { cause: error });
  }
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  if (TIMEOUT_CODES.has(code)) return retryable('FRAISEQL_ACTION_TIMEOUT', `${host} timed out (${code})`, latencyMs, { cause: error });
  if (INVALID_CODES.has(code))
    return permanent('FRAISEQL_ACTION_INVALID', `the request is malformed: ${message}`, latencyMs, { cause: error });
  return retryable('FRAISEQL_ACTION_UNREACHABLE', `${host} unreachable: ${code || message}`, latencyMs, { cause: error });
}
