export { defineNatsApi, isNatsApiOperation, natsApiSubject, parseNatsApiRequest } from './nats-api';
export type { NatsApiDefinition, NatsApiOperation, NatsApiReply, NatsApiRequest } from './nats-api';
export { NatsApiClient } from './nats-api-client';
export type { NatsApiCallOptions, NatsApiClientOptions } from './nats-api-client';
export { serveNatsApi } from './serve-nats-api';
export type { NatsApiHandlers, ServeNatsApiOptions } from './serve-nats-api';
