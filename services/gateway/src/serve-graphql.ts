import type { FastifyReply, FastifyRequest } from 'fastify';
import { getOperationAST, parse } from 'graphql';
import { context as otelContext, isSpanContextValid, propagation, SpanKind, trace } from '@opentelemetry/api';
import { credentialFailureEntry, credentialKind, type AuditLog } from '@fraiseql/audit';
import { createAuthResolver, type AuthOptions } from '@fraiseql/auth';
import { FraiseqlError } from '@fraiseql/errors';
import { idempotencyKeyProblem } from '@fraiseql/nats-contract';
import type { QueryPlanner } from '@fraiseql/query-planner';
import type { RateLimits } from '@fraiseql/rate-limits';
import type { Logger, RedMetrics } from '@fraiseql/service-kit';
import { executeIntrospection, isIntrospectionOnly } from './execute-introspection';
import type { QueryForwarder } from './forward-query';
import { sendGraphql, sendGraphqlFailure } from './graphql-reply';
import { readGraphqlRequest } from './graphql-request';
import { negotiateMediaType } from './negotiate-media-type';
import { factsOf } from './request-facts';
import { admitQueryLimits, type QueryLimitsPolicy } from './admit-query-limits';
import { TrustedDocuments } from './trusted-documents';

export interface ServeGraphqlOptions {
  logger: Logger;
  /** The planner of the schema loaded now (used only to validate); undefined until one is. */
  planner: () => QueryPlanner | undefined;
  /** Sends an operation to a query-executor and returns its reply bytes. */
  forwarder: Pick<QueryForwarder, 'forward'>;
  requestTimeoutMs: number;
  /** Requests served at once; one more is refused at once with FRAISEQL_OVERLOADED (admission control). */
  maxInFlight: number;
  auth: AuthOptions;
  metrics: RedMetrics;
  /** Request rates per client address (before authentication) and per caller (docs/adr/0133-rate-limits.md); absent: none. */
  rateLimits?: Pick<RateLimits, 'admitAddress' | 'admitCaller'>;
  /** Trusted documents (FRAISEQL_GRAPHQL_TRUSTED_DOCUMENTS); absent: `off`. */
  trustedDocuments?: Pick<TrustedDocuments, 'admit' | 'admitsText'>;
  /** Per-role depth/nodes/cost limits (FRAISEQL_GRAPHQL_ROLE_LIMITS); absent: the planner's limits only. */
  queryLimits?: QueryLimitsPolicy;
  /** Refused credentials are recorded here (docs/adr/0137-audit-log.md); absent: not audited. */
  audit?: Pick<AuditLog, 'record'>;
}

const tracer = trace.getTracer('@fraiseql/gateway');

/**
 * The handler of every GraphQL-over-HTTP request (a route-level preHandler, so graphql-js never
 * executes a data query here; docs/adr/0060-gateway-passthrough.md): admission control, the
 * caller, validation with the planner, then the executor's bytes written back untouched.
 */
export function createGraphqlHandler(options: ServeGraphqlOptions) {
  const { logger } = options;
  const resolveCaller = createAuthResolver(options.auth);
  const trustedDocuments = options.trustedDocuments ?? new TrustedDocuments({ mode: 'off', logger });
  let inFlight = 0;

  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    // A WebSocket upgrade (subscriptions) goes on to mercurius's handler.
    if ((request as FastifyRequest & { ws?: boolean }).ws === true) return undefined;
    const mediaType = negotiateMediaType(request.headers.accept);
    const fact = factsOf(request);
    if (inFlight >= options.maxInFlight) {
      const overloaded = new FraiseqlError(
        'FRAISEQL_OVERLOADED',
        `The gateway has ${options.maxInFlight} requests in flight; retry shortly`,
      );
      return sendGraphqlFailure(reply, mediaType, fact, overloaded, logger);
    }
    inFlight++;
    options.metrics.inFlight.inc({ operation: 'all' });
    const parent = propagation.extract(otelContext.active(), request.headers);
    const span = tracer.startSpan(
      `${request.method} /graphql`,
      { kind: SpanKind.SERVER, attributes: { 'fraiseql.request_id': String(request.id) } },
      parent,
    );
    if (isSpanContextValid(span.spanContext())) fact.traceId = span.spanContext().traceId;
    try {
      if (request.validationError)
        throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `Malformed GraphQL request: ${request.validationError.message}`);
      const incoming = readGraphqlRequest(request.method, request.method === 'GET' ? request.query : request.body);
      await options.rateLimits?.admitAddress(request.ip);
      const caller = await resolveCaller(request.headers).catch((error: unknown) => {
        const entry = credentialFailureEntry(error, {
          ip: request.ip,
          requestId: String(request.id),
          transport: 'http',
          credential: credentialKind(request.headers),
        });
        if (entry) options.audit?.record(entry);
        throw error;
      });
      await options.rateLimits?.admitCaller(caller);
      const params = trustedDocuments.admit(incoming);
      const planner = options.planner();
      if (!planner) throw new FraiseqlError('FRAISEQL_SCHEMA_UNAVAILABLE', 'The gateway has no compiled schema loaded yet; retry shortly');

      let operation;
      try {
        operation = planner.prepare({ query: params.query, operationName: params.operationName ?? undefined });
      } catch (error) {
        if (request.method === 'GET' && isMutationDocument(params.query, params.operationName)) throw mutationOverGet();
        throw error;
      }
      Object.assign(fact, {
        operationType: operation.operationType,
        operationName: operation.operationName,
        operationHash: operation.hash,
      });
      span.setAttributes({
        'graphql.operation.type': operation.operationType,
        'graphql.operation.name': operation.operationName ?? '',
        'fraiseql.operation.hash': operation.hash,
      });
      if (operation.operationType === 'mutation' && request.method === 'GET') throw mutationOverGet();
      if (options.queryLimits) admitQueryLimits(options.queryLimits, planner, operation, params.variables, caller);
      if (operation.operationType === 'subscription') {
        throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `${operation.operationType} operations are not served over HTTP yet`);
      }
      const operationType = operation.operationType;
      const idempotencyKey =
        operationType === 'mutation' ? readIdempotencyKey(headerValues(request.raw.rawHeaders, 'idempotency-key')) : undefined;
      if (operationType === 'query' && isIntrospectionOnly(operation)) {
        const body = await executeIntrospection(planner, operation, params.variables);
        return sendGraphql(reply, mediaType, 200, body);
      }
      const result = await otelContext.with(trace.setSpan(parent, span), () =>
        options.forwarder.forward(params, {
          caller,
          requestId: String(request.id),
          timeoutMs: options.requestTimeoutMs,
          operationType,
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        }),
      );
      // The status header only matters to graphql-response+json; legacy JSON clients get 200.
      const status = mediaType === 'application/graphql-response+json' ? result.status : 200;
      // The executor names the code of the first error; a reply without one that still failed is its bug.
      const code = result.errorCode ?? (result.status >= 400 ? 'FRAISEQL_INTERNAL' : undefined);
      if (code !== undefined) fact.code = code;
      return sendGraphql(reply, mediaType, status, result.body);
    } catch (error) {
      return sendGraphqlFailure(reply, mediaType, fact, error, logger);
    } finally {
      if (fact.code) span.setAttribute('fraiseql.error.code', fact.code);
      span.end();
      inFlight--;
      options.metrics.inFlight.dec({ operation: 'all' });
    }
  };
}

/** The Idempotency-Key request header of a mutation (docs/adr/0082-mutations.md); malformed → 400. */
/** Every value of a header as sent: node joins a repeated header into "k1, k2", which would pass as one key. */
function headerValues(rawHeaders: readonly string[] | undefined, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; rawHeaders && i + 1 < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  return values;
}

function readIdempotencyKey(values: string[] | undefined): string | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'The Idempotency-Key header may appear only once');
  const header = values[0]!;
  const problem = idempotencyKeyProblem(header);
  if (problem) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `Malformed request: ${problem}`);
  return header;
}

function mutationOverGet(): FraiseqlError {
  return new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'Mutations are not allowed over GET; use POST', {
    details: { method: 'GET', allow: 'POST' },
  });
}

/** Only on the error path of a GET: whether the refused document was a mutation (405 beats a validation error). */
function isMutationDocument(query: string, operationName: string | null): boolean {
  try {
    return getOperationAST(parse(query), operationName ?? undefined)?.operation === 'mutation';
  } catch {
    return false;
  }
}
