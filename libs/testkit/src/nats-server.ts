import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { findBinary, serverProcess } from './server-process';

export interface TestNatsServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM), keeping its JetStream store so `start()` brings it back with its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** Stops it and removes its store. */
  dispose(): Promise<void>;
}

/** Starts a private nats-server with JetStream on a free loopback port and its own store directory. */
export async function startNatsServer(): Promise<TestNatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'fraiseql-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
  const server = serverProcess('nats-server', findBinary('nats-server', 'NATS_SERVER_BIN'), args, port);
  await server.start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    start: server.start,
    stop: server.stop,
    dispose: async () => {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
