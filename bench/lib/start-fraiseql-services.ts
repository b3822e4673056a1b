import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@fraiseql/testkit';
import { benchChildEnv } from './bench-child-env';
import type { BenchChild, BenchChildren } from './child-processes';
import { waitReady } from './wait-ready';

const run = promisify(execFile);

/** The built entry points a benchmark runs; missing ones mean the fleet was not built. */
const BUILT_ENTRIES = ['libs/cli/dist/bin.js', 'services/gateway/dist/main.js', 'services/query-executor/dist/main.js'];

export interface CompiledShopSchema {
  /** A fresh work folder (`<prefix>-<pid of the run>-…`), removed once every child stopped. */
  workDir: string;
  schemaFile: string;
}

/** Checks the fleet is built, then `fraiseql compile`s the demo shop schema into a fresh work folder. */
export async function compileShopSchema(children: BenchChildren, root: string, workDirPrefix: string): Promise<CompiledShopSchema> {
  for (const entry of BUILT_ENTRIES) {
    if (!existsSync(join(root, entry))) throw new Error(`${entry} is missing: build first (npx tsc -b tsconfig.build.json)`);
  }
  const workDir = mkdtempSync(join(tmpdir(), `${workDirPrefix}-${process.pid}-`));
  children.afterStop(() => rmSync(workDir, { recursive: true, force: true }));
  const schemaFile = join(workDir, 'schema.compiled.json');
  try {
    await run(
      process.execPath,
      [join(root, 'libs/cli/dist/bin.js'), 'compile', join(root, 'examples/shop/src/schema.ts'), '-o', schemaFile],
      { cwd: root, env: benchChildEnv() },
    );
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`fraiseql compile failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
  return { workDir, schemaFile };
}

export interface FraiseqlServicesOptions {
  root: string;
  natsUrl: string;
  schemaFile: string;
  databaseUrl: string;
  /** FRAISEQL_QUERY_EXECUTOR_* settings of this benchmark (pool size, relay batch, …). */
  executorEnv?: Record<string, string>;
  /** Gateway settings of this benchmark (auth, rate limits); they replace the development-header defaults they name. */
  gatewayEnv?: Record<string, string>;
  /** Extra node flags for the two services (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

export interface FraiseqlServices {
  executor: BenchChild;
  gateway: BenchChild;
  /** GraphQL at `http://127.0.0.1:<gatewayPort>/graphql`. */
  gatewayPort: number;
}

/**
 * The built query-executor and gateway as child processes on free ports, reading the compiled
 * schema from its file (no KV); resolves once both are ready. The gateway takes the org from the
 * development headers, which it accepts only outside production.
 */
export async function startFraiseqlServices(children: BenchChildren, options: FraiseqlServicesOptions): Promise<FraiseqlServices> {
  const common = {
    ...benchChildEnv(),
    NODE_ENV: 'production',
    FRAISEQL_NATS_URL: options.natsUrl,
    FRAISEQL_SCHEMA_SOURCE: options.schemaFile,
    FRAISEQL_CURSOR_SECRET: 'fraiseql-bench-cursor-secret-0123456789abcdef',
    FRAISEQL_LOG_LEVEL: 'warn',
  };
  const nodeFlags = options.nodeFlags ?? [];
  const executorOps = await freePort();
  const executor = children.start('query-executor', process.execPath, {
    args: [...nodeFlags, join(options.root, 'services/query-executor/dist/main.js')],
    cwd: options.root,
    env: {
      ...common,
      FRAISEQL_ENV: 'production',
      FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: options.databaseUrl,
      FRAISEQL_QUERY_EXECUTOR_OPS_PORT: String(executorOps),
      ...options.executorEnv,
    },
  });
  const gatewayPort = await freePort();
  const gatewayOps = await freePort();
  const gateway = children.start('gateway', process.execPath, {
    args: [...nodeFlags, join(options.root, 'services/gateway/dist/main.js')],
    cwd: options.root,
    env: {
      ...common,
      FRAISEQL_ENV: 'development',
      FRAISEQL_DEV_AUTH: '1',
      FRAISEQL_GATEWAY_PORT: String(gatewayPort),
      FRAISEQL_GATEWAY_OPS_PORT: String(gatewayOps),
      // The benchmark measures throughput from one address and one caller: rate limits off (docs/security.md).
      FRAISEQL_RATE_LIMIT_IP_REQUESTS: '0',
      FRAISEQL_RATE_LIMIT_PRINCIPAL_REQUESTS: '0',
      FRAISEQL_RATE_LIMIT_API_KEY_REQUESTS: '0',
      ...options.gatewayEnv,
    },
  });
  await Promise.all([waitReady(executor, executorOps), waitReady(gateway, gatewayOps)]);
  return { executor, gateway, gatewayPort };
}
