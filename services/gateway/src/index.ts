export { createGateway } from './create-gateway';
export type { Gateway, GatewayOptions } from './create-gateway';
export { buildServer } from './server';
export type { GatewayServerOptions } from './server';
export { gatewayConfig } from './config';
export type { GatewayConfig } from './config';
