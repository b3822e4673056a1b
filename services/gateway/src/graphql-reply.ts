import type { FastifyReply } from 'fastify';
import { RetryableError, toFraiseqlError } from '@fraiseql/errors';
import { formatErrorBody, GraphqlRequestError } from '@fraiseql/query-planner';
import type { Logger } from '@fraiseql/service-kit';
import type { GraphqlMediaType } from './negotiate-media-type';
import type { RequestFacts } from './request-facts';

/** A GraphQL response body with its status, in the negotiated media type. */
export function sendGraphql(reply: FastifyReply, mediaType: GraphqlMediaType, status: number, body: string | Buffer): FastifyReply {
  return reply.code(status).header('content-type', `${mediaType}; charset=utf-8`).send(body);
}

/**
 * The one way a GraphQL request fails: the code goes into the request's facts (metrics, log), the
 * body is a GraphQL error list with `extensions.code`, the status follows the media type's rules.
 */
export function sendGraphqlFailure(
  reply: FastifyReply,
  mediaType: GraphqlMediaType,
  fact: RequestFacts,
  error: unknown,
  logger: Logger,
): FastifyReply {
  if (error instanceof GraphqlRequestError) {
    // A document problem: under legacy JSON the request itself was well-formed, so 200.
    fact.code = error.code;
    const status = mediaType === 'application/graphql-response+json' ? error.httpStatus : 200;
    return sendGraphql(reply, mediaType, status, formatErrorBody(error.errors));
  }
  const e = toFraiseqlError(error);
  if (e.code === 'FRAISEQL_INTERNAL')
    logger.error({ err: error, requestId: reply.request.id }, 'unexpected failure while serving a GraphQL request');
  fact.code = e.code;
  if (e.code === 'FRAISEQL_UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer');
  if (e.code === 'FRAISEQL_OVERLOADED' || e.code === 'FRAISEQL_EXECUTOR_UNAVAILABLE') reply.header('retry-after', '1');
  // A rate limit knows when its window ends: whole seconds, rounded up.
  if (e instanceof RetryableError) reply.header('retry-after', String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))));
  // A method this path does not serve for the request (a mutation over GET, a PUT): 405 with the methods it does.
  const allow = e.code === 'FRAISEQL_OPERATION_NOT_SUPPORTED' && typeof e.details?.allow === 'string' ? e.details.allow : undefined;
  const status = allow === undefined ? e.httpStatus : 405;
  if (allow !== undefined) reply.header('allow', allow);
  // The transport's own failures keep their HTTP status under both media types.
  return sendGraphql(reply, mediaType, status, formatErrorBody([{ message: e.message, extensions: { code: e.code } }]));
}
