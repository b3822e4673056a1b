import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorCode } from '@fraiseql/errors';

/** What the access log and the metrics learn about a request while it is served. */
export interface RequestFacts {
  operationType: string;
  operationName?: string | null;
  operationHash?: string;
  traceId?: string;
  /** The error code (docs/errors.md) the request ended with; the metrics' outcome follows from it. */
  code?: ErrorCode;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Null until the GraphQL route (or its error handler) sees the request: other routes are not counted. */
    graphqlFacts: RequestFacts | null;
  }
}

/** Every request carries its facts, filled in while it is served and read once it is answered. */
export const requestFacts = fp(
  async (app) => {
    app.decorateRequest('graphqlFacts', null);
  },
  { name: 'fraiseql-request-facts' },
);

/** The facts of a GraphQL request, created on first use. */
export function factsOf(request: FastifyRequest): RequestFacts {
  return (request.graphqlFacts ??= { operationType: 'unknown' });
}
