export { createGateway } from './create-gateway';
export type { Gateway, GatewayOptions, GatewaySubscriptionOptions } from './create-gateway';
export { CLOSE_CODES } from './change-subscriptions';
export { buildServer } from './server';
export type { GatewayServerOptions } from './server';
export { gatewayConfig } from './config';
export type { GatewayConfig } from './config';
