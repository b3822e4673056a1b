import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { FraiseqlError } from '@fraiseql/errors';
import type { TlsFiles } from '@fraiseql/service-kit';
import type { GraphQLSchema } from 'graphql';
import { accessLog } from './access-log';
import { exportDownloads, type ExportDownloadOptions } from './export-downloads';
import { sendGraphqlFailure } from './graphql-reply';
import { graphqlOverHttp, type GraphqlOverHttpOptions } from './graphql-over-http';
import { negotiateMediaType } from './negotiate-media-type';
import { factsOf, requestFacts } from './request-facts';
import { requestIdOf } from './request-id';
import type { TrustProxy } from './trust-proxy';

export interface GatewayServerOptions extends GraphqlOverHttpOptions {
  /** `GET /v1/exports/<token>`: export files for holders of a signed download token (absent: no such route). */
  exportDownloads?: ExportDownloadOptions;
  /** Whom to believe about the client address (`request.ip`, the per-address rate limit); absent: the socket peer. */
  trustProxy?: TrustProxy;
  /** HTTPS with these PEM files; `clientCa` set = a client certificate chaining to it is required (mTLS). */
  tls?: TlsFiles;
}

/**
 * The HTTP app, as registered plugins: every request's facts, the access log and metrics, then
 * GraphQL over HTTP (docs/adr/0060-gateway-passthrough.md).
 */
export function buildServer(options: GatewayServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // The access-log plugin writes the one line per request, with the GraphQL facts.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    requestIdHeader: false,
    bodyLimit: options.bodyLimitBytes,
    // A GraphQL request body is taken as sent: `{"query": 42}` is a bad request, not "42".
    ajv: { customOptions: { coerceTypes: false } },
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    // Native TLS: the instance differs only in its server's type (https.Server); the app's API is the same.
    ...(options.tls ? { https: httpsOptions(options.tls) } : {}),
  });
  app.register(requestFacts);
  app.register(accessLog, { logger: options.logger, metrics: options.metrics });
  app.register(graphqlOverHttp, options);
  if (options.exportDownloads) app.register(exportDownloads, options.exportDownloads);
  // An unknown route is answered, counted and logged with a code like every other failure, not fastify's bare 404.
  app.setNotFoundHandler((request, reply) =>
    sendGraphqlFailure(
      reply,
      negotiateMediaType(request.headers.accept),
      factsOf(request),
      new FraiseqlError(
        'FRAISEQL_ROUTE_NOT_FOUND',
        `No route ${request.method} ${request.url.split('?')[0]}; GraphQL is served at /graphql`,
      ),
      options.logger,
    ),
  );
  return app;
}

/** Swaps the schema mercurius serves (GraphiQL, subscriptions) after a reload. */
export function replaceServedSchema(app: FastifyInstance, schema: GraphQLSchema): void {
  app.graphql.replaceSchema(schema);
}

/** node's TLS options: the chain and key, and with a client CA, client certificates required and verified. */
function httpsOptions(tls: TlsFiles): { cert: Buffer; key: Buffer; ca?: Buffer; requestCert?: boolean; rejectUnauthorized?: boolean } {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  };
}
