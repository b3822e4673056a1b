export { freePort } from './free-port';
export { startNatsServer } from './nats-server';
export type { TestNatsServer } from './nats-server';
export { adminConnectionString, createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
