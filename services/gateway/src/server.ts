import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import mercurius from 'mercurius';
import { buildSchema, getOperationAST, parse, type GraphQLSchema } from 'graphql';
import { context as otelContext, isSpanContextValid, propagation, SpanKind, trace } from '@opentelemetry/api';
import { FraiseqlError, toFraiseqlError, type ErrorCode } from '@fraiseql/errors';
import { idempotencyKeyProblem } from '@fraiseql/nats-contract';
import { formatErrorBody, GraphqlRequestError, type QueryPlanner } from '@fraiseql/query-planner';
import type { Logger, RedMetrics } from '@fraiseql/service-kit';
import { executeIntrospection, isIntrospectionOnly } from './execute-introspection';
import type { ChangeSubscriptions } from './change-subscriptions';
import type { QueryForwarder } from './forward-query';
import { readGraphqlRequest } from './graphql-request';
import { negotiateMediaType, type GraphqlMediaType } from './negotiate-media-type';
import { requestIdOf } from './request-id';
import { createAuthResolver, type AuthOptions } from '@fraiseql/auth';

export interface GatewayServerOptions {
  logger: Logger;
  /** Serve GraphiQL at /graphiql (development only). */
  graphiql: boolean;
  /** The planner of the schema loaded now (used only to validate); undefined until one is. */
  planner: () => QueryPlanner | undefined;
  /** Sends an operation to a query-executor and returns its reply bytes. */
  forwarder: Pick<QueryForwarder, 'forward'>;
  requestTimeoutMs: number;
  maxInFlight: number;
  bodyLimitBytes: number;
  auth: AuthOptions;
  metrics: RedMetrics;
  /** GraphQL subscriptions over WebSocket at the GraphQL path (absent: none). */
  subscriptions?: Pick<ChangeSubscriptions, 'mercuriusOptions'>;
}

/** What the access log and the metrics learn about a request while it is served. */
interface RequestFacts {
  operationType: string;
  operationName?: string | null;
  operationHash?: string;
  traceId?: string;
  /** The error code (docs/errors.md) the request ended with; the metrics' outcome follows from it. */
  code?: ErrorCode;
}

/** Served until the first compiled schema arrives; every request meanwhile gets FRAISEQL_SCHEMA_UNAVAILABLE. */
const PLACEHOLDER_SCHEMA = buildSchema('type Query { _schemaLoading: Boolean }');
const tracer = trace.getTracer('@fraiseql/gateway');

/**
 * The HTTP app. Mercurius owns the GraphQL routes (GET/POST /graphql, GraphiQL in
 * development, later subscriptions); a route-level preHandler answers every request
 * itself (docs/adr/0060-gateway-passthrough.md): validate with the planner, forward over
 * NATS, write the executor's bytes back. graphql-js never executes a data query here.
 */
export function buildServer(options: GatewayServerOptions): FastifyInstance {
  const { logger } = options;
  const resolveAuth = createAuthResolver(options.auth);
  const facts = new WeakMap<FastifyRequest, RequestFacts>();
  let inFlight = 0;

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Our own onResponse hook writes the one access-log line, with the GraphQL facts.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    requestIdHeader: false,
    bodyLimit: options.bodyLimitBytes,
    // A GraphQL request body is taken as sent: `{"query": 42}` is a bad request, not "42".
    ajv: { customOptions: { coerceTypes: false } },
  });

  const serveGraphql = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    // A WebSocket upgrade (subscriptions) goes on to mercurius's handler.
    if ((request as FastifyRequest & { ws?: boolean }).ws === true) return undefined;
    const mediaType = negotiateMediaType(request.headers.accept);
    const fact: RequestFacts = { operationType: 'unknown' };
    facts.set(request, fact);
    if (inFlight >= options.maxInFlight) {
      return sendFailure(
        reply,
        mediaType,
        fact,
        new FraiseqlError('FRAISEQL_OVERLOADED', `The gateway has ${options.maxInFlight} requests in flight; retry shortly`),
      );
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
      const params = readGraphqlRequest(request.method, request.method === 'GET' ? request.query : request.body);
      const auth = await resolveAuth(request.headers);
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
      if (operation.operationType === 'subscription') {
        throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `${operation.operationType} operations are not served over HTTP yet`);
      }
      const operationType = operation.operationType;
      const idempotencyKey = operationType === 'mutation' ? readIdempotencyKey(request.headers['idempotency-key']) : undefined;
      if (operationType === 'query' && isIntrospectionOnly(operation)) {
        const body = await executeIntrospection(planner, operation, params.variables);
        return send(reply, mediaType, 200, body);
      }
      const result = await otelContext.with(trace.setSpan(parent, span), () =>
        options.forwarder.forward(params, {
          caller: auth,
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
      return send(reply, mediaType, status, result.body);
    } catch (error) {
      return sendFailure(reply, mediaType, fact, error);
    } finally {
      if (fact.code) span.setAttribute('fraiseql.error.code', fact.code);
      span.end();
      inFlight--;
      options.metrics.inFlight.dec({ operation: 'all' });
    }
  };

  const sendFailure = (reply: FastifyReply, mediaType: GraphqlMediaType, fact: RequestFacts, error: unknown): FastifyReply => {
    if (error instanceof GraphqlRequestError) {
      // A document problem: under legacy JSON the request itself was well-formed, so 200.
      fact.code = error.code;
      return send(
        reply,
        mediaType,
        mediaType === 'application/graphql-response+json' ? error.httpStatus : 200,
        formatErrorBody(error.errors),
      );
    }
    const e = toFraiseqlError(error);
    if (e.code === 'FRAISEQL_INTERNAL')
      logger.error({ err: error, requestId: reply.request.id }, 'unexpected failure while serving a GraphQL request');
    fact.code = e.code;
    if (e.code === 'FRAISEQL_UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer');
    if (e.code === 'FRAISEQL_OVERLOADED' || e.code === 'FRAISEQL_EXECUTOR_UNAVAILABLE') reply.header('retry-after', '1');
    const status = e.code === 'FRAISEQL_OPERATION_NOT_SUPPORTED' && e.details?.method === 'GET' ? 405 : e.httpStatus;
    if (status === 405) reply.header('allow', 'POST');
    const extensions = { code: e.code };
    // The transport's own failures keep their HTTP status under both media types.
    return send(reply, mediaType, status, formatErrorBody([{ message: e.message, extensions }]));
  };

  app.register(mercurius, {
    schema: options.planner()?.graphqlSchema ?? PLACEHOLDER_SCHEMA,
    graphiql: options.graphiql,
    path: '/graphql',
    // Mercurius's query cache serves only its own handler, which never runs (the preHandler
    // answers every request); the planner's LRU of prepared documents is the hot-path cache.
    cache: false,
    additionalRouteOptions: { preHandler: serveGraphql },
    ...(options.subscriptions ? { subscription: options.subscriptions.mercuriusOptions() } : {}),
    // Errors raised before the preHandler (unparseable JSON, body too large, wrong content type).
    errorHandler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const fact: RequestFacts = facts.get(request) ?? { operationType: 'unknown' };
      facts.set(request, fact);
      const mediaType = negotiateMediaType(request.headers.accept);
      const wrapped =
        error.statusCode === 413
          ? new FraiseqlError('FRAISEQL_DOCUMENT_TOO_LARGE', `The request body exceeds ${options.bodyLimitBytes} bytes`)
          : error.statusCode !== undefined && error.statusCode < 500
            ? new FraiseqlError('FRAISEQL_BAD_REQUEST', `Malformed GraphQL request: ${error.message}`)
            : error;
      void sendFailure(reply, mediaType, fact, wrapped);
    },
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', String(request.id));
  });

  // One access-log line per request: never the query text, the variables or the token.
  app.addHook('onResponse', async (request, reply) => {
    const fact = facts.get(request);
    const seconds = reply.elapsedTime / 1000;
    if (fact) {
      options.metrics.observe(fact.operationType, fact.code, seconds);
    }
    logger.info(
      {
        requestId: request.id,
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
        ...(fact
          ? {
              operationType: fact.operationType,
              operationName: fact.operationName ?? undefined,
              operationHash: fact.operationHash,
              traceId: fact.traceId,
              code: fact.code,
            }
          : {}),
      },
      'request completed',
    );
  });

  return app;
}

/** Swaps the schema mercurius serves (GraphiQL, later subscriptions) after a reload. */
export function replaceServedSchema(app: FastifyInstance, schema: GraphQLSchema): void {
  app.graphql.replaceSchema(schema);
}

function send(reply: FastifyReply, mediaType: GraphqlMediaType, status: number, body: string | Buffer): FastifyReply {
  return reply.code(status).header('content-type', `${mediaType}; charset=utf-8`).send(body);
}

/** The Idempotency-Key request header of a mutation (docs/adr/0082-mutations.md); malformed → 400. */
function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'The Idempotency-Key header may appear only once');
  const problem = idempotencyKeyProblem(header);
  if (problem) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `Malformed request: ${problem}`);
  return header;
}

function mutationOverGet(): FraiseqlError {
  return new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'Mutations are not allowed over GET; use POST', {
    details: { method: 'GET' },
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
