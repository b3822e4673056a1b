import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@fraiseql/testkit';
import type { BenchChildren } from '../lib/child-processes';
import type { BenchSystem } from './bench-system';
import { benchChildEnv } from '../lib/bench-child-env';
import { postgraphileBody } from './order-queries';

export interface StartPostgraphileOptions {
  root: string;
  databaseUrl: string;
  poolSize: number;
  orgId: string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

/** Starts PostGraphile v4 (postgraphile-server.ts) in its own Node process on a free port. */
export async function startPostgraphile(children: BenchChildren, options: StartPostgraphileOptions): Promise<BenchSystem> {
  const port = await freePort();
  const child = children.start('postgraphile', process.execPath, {
    args: [...(options.nodeFlags ?? []), '--import', 'tsx', join(options.root, 'bench/graphql/postgraphile-server.ts')],
    cwd: options.root,
    env: {
      ...benchChildEnv(),
      NODE_ENV: 'production',
      BENCH_DATABASE_URL: options.databaseUrl,
      BENCH_PORT: String(port),
      BENCH_POOL_SIZE: String(options.poolSize),
    },
  });
  await child.waitForLine(/^ready /, 60_000);
  return {
    name: 'PostGraphile v4',
    url: `http://127.0.0.1:${port}/graphql`,
    headers: { 'content-type': 'application/json' },
    body: (limit) => postgraphileBody(options.orgId, limit),
    pids: [child.pid],
    setup: `PostGraphile ${postgraphileVersion()} as a library on node:http, 1 process, pg pool ${options.poolSize}, production options`,
  };
}

function postgraphileVersion(): string {
  return (JSON.parse(readFileSync(require.resolve('postgraphile/package.json'), 'utf8')) as { version: string }).version;
}
