import fp from 'fastify-plugin';
import type { Logger, RedMetrics } from '@fraiseql/service-kit';

export interface AccessLogOptions {
  logger: Logger;
  metrics: RedMetrics;
}

/**
 * The request id on every response, and one access-log line and one metrics sample per GraphQL
 * request: never the query text, the variables or the token.
 */
export const accessLog = fp<AccessLogOptions>(
  async (app, { logger, metrics }) => {
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', String(request.id));
    });

    app.addHook('onResponse', async (request, reply) => {
      const fact = request.graphqlFacts;
      if (fact) metrics.observe(fact.operationType, fact.code, reply.elapsedTime / 1000);
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
  },
  { name: 'fraiseql-access-log', dependencies: ['fraiseql-request-facts'] },
);
