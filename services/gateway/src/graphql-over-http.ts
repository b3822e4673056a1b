import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { buildSchema, GraphQLError } from 'graphql';
import mercurius from 'mercurius';
import { FraiseqlError } from '@fraiseql/errors';
import type { ChangeSubscriptions } from './change-subscriptions';
import { sendGraphqlFailure } from './graphql-reply';
import { negotiateMediaType } from './negotiate-media-type';
import { factsOf } from './request-facts';
import { createGraphqlHandler, type ServeGraphqlOptions } from './serve-graphql';

export interface GraphqlOverHttpOptions extends ServeGraphqlOptions {
  /** Serve GraphiQL at /graphiql (development only). */
  graphiql: boolean;
  /** The request body limit, named in the refusal of a larger body. */
  bodyLimitBytes: number;
  /** GraphQL subscriptions over WebSocket at the GraphQL path (absent: none). */
  subscriptions?: Pick<ChangeSubscriptions, 'mercuriusOptions'>;
}

/** Served until the first compiled schema arrives; every request meanwhile gets FRAISEQL_SCHEMA_UNAVAILABLE. */
const PLACEHOLDER_SCHEMA = buildSchema('type Query { _schemaLoading: Boolean }');

/**
 * GET/POST /graphql (GraphQL over HTTP), GraphiQL in development and subscriptions over WebSocket.
 * Mercurius owns the routes; the preHandler answers every HTTP request itself, and the error
 * handler turns what fails before it (unparseable JSON, body too large, wrong content type) into
 * the same GraphQL error bodies.
 */
export const graphqlOverHttp = fp<GraphqlOverHttpOptions>(
  async (app, options) => {
    await app.register(mercurius, {
      schema: options.planner()?.graphqlSchema ?? PLACEHOLDER_SCHEMA,
      graphiql: options.graphiql,
      path: '/graphql',
      // Mercurius's query cache serves only its own handler, which never runs (the preHandler
      // answers every request); the planner's LRU of prepared documents is the hot-path cache.
      cache: false,
      additionalRouteOptions: { preHandler: createGraphqlHandler(options) },
      ...(options.subscriptions ? { subscription: options.subscriptions.mercuriusOptions() } : {}),
      errorHandler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
        const wrapped =
          error.statusCode === 413
            ? new FraiseqlError('FRAISEQL_DOCUMENT_TOO_LARGE', `The request body exceeds ${options.bodyLimitBytes} bytes`)
            : error.statusCode !== undefined && error.statusCode < 500
              ? new FraiseqlError('FRAISEQL_BAD_REQUEST', `Malformed GraphQL request: ${error.message}`)
              : error;
        void sendGraphqlFailure(reply, negotiateMediaType(request.headers.accept), factsOf(request), wrapped, options.logger);
      },
    });
    // Other methods get a GraphQL error body with a code, not fastify's bare 404 (GraphQL over HTTP: GET and POST).
    app.route({
      method: ['PUT', 'PATCH', 'DELETE'],
      url: '/graphql',
      handler: (request, reply) =>
        sendGraphqlFailure(
          reply,
          negotiateMediaType(request.headers.accept),
          factsOf(request),
          new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `GraphQL is served over GET and POST, not ${request.method}`, {
            details: { method: request.method, allow: 'GET, POST' },
          }),
          options.logger,
        ),
    });
    const trusted = options.trustedDocuments;
    // Subscriptions carry their text over WebSocket: in strict mode it must be a registered document.
    if (trusted) {
      app.graphql.addHook('preSubscriptionParsing', async (_schema, source) => {
        if (!trusted.admitsText(source)) {
          throw new GraphQLError('This document is not a trusted document; this gateway runs trusted documents only', {
            extensions: { code: 'FRAISEQL_DOCUMENT_NOT_TRUSTED' },
          });
        }
      });
    }
  },
  { name: 'fraiseql-graphql-over-http', dependencies: ['fraiseql-request-facts'] },
);
