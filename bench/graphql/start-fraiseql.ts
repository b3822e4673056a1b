import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchChildren } from '../lib/child-processes';
import type { BenchSystem } from './bench-system';
import { freePort } from '../lib/free-port';
import { fraiseqlBody } from './order-queries';
import { benchChildEnv } from '../lib/bench-child-env';
import { waitReady } from '../lib/wait-ready';

const run = promisify(execFile);

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
  for (const entry of ['libs/cli/dist/bin.js', 'services/gateway/dist/main.js', 'services/query-executor/dist/main.js']) {
    if (!existsSync(join(options.root, entry))) throw new Error(`${entry} is missing: build first (npx tsc -b tsconfig.build.json)`);
  }
  const workDir = mkdtempSync(join(tmpdir(), `${WORK_DIR_PREFIX}-${process.pid}-`));
  children.afterStop(() => rmSync(workDir, { recursive: true, force: true }));
  const schemaFile = join(workDir, 'schema.compiled.json');
  try {
    await run(process.execPath, [join(options.root, 'libs/cli/dist/bin.js'), 'compile', join(options.root, 'examples/shop/src/schema.ts'), '-o', schemaFile], {
      cwd: options.root,
      env: benchChildEnv(),
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`fraiseql compile failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }

  const natsPort = await freePort();
  const nats = children.start('nats-server', natsBinary(), {
    args: ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(workDir, 'nats')],
  });
  await waitForTcp(natsPort, 10_000);
  const natsUrl = `nats://127.0.0.1:${natsPort}`;

  const common = {
    ...benchChildEnv(),
    NODE_ENV: 'production',
    FRAISEQL_NATS_URL: natsUrl,
    FRAISEQL_SCHEMA_SOURCE: schemaFile,
    FRAISEQL_CURSOR_SECRET: 'fraiseql-bench-cursor-secret-0123456789abcdef',
    FRAISEQL_LOG_LEVEL: 'warn',
  };
  const executorOps = await freePort();
  const executor = children.start('query-executor', process.execPath, {
    args: [...(options.nodeFlags ?? []), join(options.root, 'services/query-executor/dist/main.js')],
    cwd: options.root,
    env: {
      ...common,
      FRAISEQL_ENV: 'production',
      FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: options.databaseUrl,
      FRAISEQL_QUERY_EXECUTOR_POOL_MAX: String(options.poolSize),
      FRAISEQL_QUERY_EXECUTOR_OPS_PORT: String(executorOps),
    },
  });
  const gatewayPort = await freePort();
  const gatewayOps = await freePort();
  const gateway = children.start('gateway', process.execPath, {
    args: [...(options.nodeFlags ?? []), join(options.root, 'services/gateway/dist/main.js')],
    cwd: options.root,
    env: {
      ...common,
      // The development headers carry the org, and the gateway accepts them only outside production.
      FRAISEQL_ENV: 'development',
      FRAISEQL_DEV_AUTH: '1',
      FRAISEQL_GATEWAY_PORT: String(gatewayPort),
      FRAISEQL_GATEWAY_OPS_PORT: String(gatewayOps),
    },
  });
  await Promise.all([waitReady(executor, executorOps), waitReady(gateway, gatewayOps)]);

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
