import { freePort } from './free-port';
import { findBinary, serverProcess } from './server-process';

export interface TestRedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM); it keeps nothing (`--save ''`), so `start()` brings back an empty one. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A private redis-server on a free loopback port, without persistence, for tests that stop Redis
 * (the shared one on 6379 must keep running for everyone else).
 */
export async function startRedisServer(): Promise<TestRedisServer> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const server = serverProcess('redis-server', findBinary('redis-server', 'REDIS_SERVER_BIN'), args, port);
  await server.start();
  return { url: `redis://127.0.0.1:${port}`, port, start: server.start, stop: server.stop, dispose: server.stop };
}
