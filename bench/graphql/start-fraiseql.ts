import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@fraiseql/testkit';
import type { BenchChildren } from '../lib/child-processes';
import { compileShopSchema, startFraiseqlServices } from '../lib/start-fraiseql-services';
import type { BenchSystem } from './bench-system';
import { fraiseqlBody } from './order-queries';

/** Work folders are `<prefix>-<pid of the run>-…` so that a later run can tell stale ones apart. */
export const WORK_DIR_PREFIX = 'fraiseql-bench-graphql';

export interface StartFraiseqlOptions {
  root: string;
  databaseUrl: string;
  poolSize: number;
  orgId: string;
  log: (line: string) => void;
  /** Extra node flags for the two services (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

export interface FraiseqlFleet extends BenchSystem {
  /** Where the compiled schema and the private NATS store live; removed once the children stopped. */
  workDir: string;
  natsPid: number;
}

/**
 * The FraiseQL read path as deployed: a private nats-server (JetStream on, own store), one
 * query-executor and one gateway, each its own Node process, reading the demo schema from a
 * freshly compiled file (no KV). The gateway takes the org from the development headers.
 */
export async function startFraiseql(children: BenchChildren, options: StartFraiseqlOptions): Promise<FraiseqlFleet> {
  const { workDir, schemaFile } = await compileShopSchema(children, options.root, WORK_DIR_PREFIX);

  const natsPort = await freePort();
  const nats = children.start('nats-server', natsBinary(), {
    args: ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(workDir, 'nats')],
  });
  await waitForTcp(natsPort, 10_000);

  const { executor, gateway, gatewayPort } = await startFraiseqlServices(children, {
    root: options.root,
    natsUrl: `nats://127.0.0.1:${natsPort}`,
    schemaFile,
    databaseUrl: options.databaseUrl,
    executorEnv: { FRAISEQL_QUERY_EXECUTOR_POOL_MAX: String(options.poolSize) },
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
  });

  return {
    name: 'FraiseQL',
    url: `http://127.0.0.1:${gatewayPort}/graphql`,
    headers: { 'content-type': 'application/json', 'x-fraiseql-dev-subject': 'bench', 'x-fraiseql-dev-org': options.orgId },
    body: fraiseqlBody,
    pids: [gateway.pid, executor.pid, nats.pid],
    setup: `gateway + query-executor (1 process each, pg pool ${options.poolSize}) + private nats-server; schema from file; dev-header auth`,
    workDir,
    natsPid: nats.pid,
  };
}

function natsBinary(): string {
  const candidates = [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) throw new Error('nats-server binary not found (set NATS_SERVER_BIN)');
  return found;
}

async function waitForTcp(port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
