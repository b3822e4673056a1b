import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@fraiseql/testkit';
import type { BenchChildren } from '../lib/child-processes';
import type { BenchSystem } from './bench-system';
import { benchChildEnv } from '../lib/bench-child-env';
import { postgraphileBody } from './order-queries';
import type { StartPostgraphileOptions } from './start-postgraphile';

/**
 * Starts PostGraphile v5 (postgraphile-v5-server.ts) in its own Node 22 process on a free port.
 * PostGraphile v5 and Node 22 are installed on demand (scripts/ensure-postgraphile-v5.sh, pinned,
 * into .cache/postgraphile-v5), never into the workspace, whose Node is 20.
 */
export async function startPostgraphileV5(children: BenchChildren, options: StartPostgraphileOptions): Promise<BenchSystem> {
  const dir = ensurePostgraphileV5(options.root);
  const node22 = join(dir, 'node_modules/node/bin/node');
  const port = await freePort();
  const child = children.start('postgraphile-v5', node22, {
    args: [...(options.nodeFlags ?? []), '--import', 'tsx', join(options.root, 'bench/graphql/postgraphile-v5-server.ts')],
    cwd: options.root,
    env: {
      ...benchChildEnv(),
      NODE_ENV: 'production',
      BENCH_DATABASE_URL: options.databaseUrl,
      BENCH_PORT: String(port),
      BENCH_POOL_SIZE: String(options.poolSize),
      BENCH_POSTGRAPHILE_V5_DIR: dir,
    },
  });
  await child.waitForLine(/^ready /, 120_000);
  const version = (name: string): string =>
    (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    name: 'PostGraphile v5',
    url: `http://127.0.0.1:${port}/graphql`,
    headers: { 'content-type': 'application/json' },
    body: (limit) => postgraphileBody(options.orgId, limit),
    pids: [child.pid],
    setup:
      `PostGraphile ${version('postgraphile')} (grafast ${version('grafast')}, grafserv ${version('grafserv')}) on Node ${version('node')}, ` +
      `as a library on node:http (grafserv node adaptor), V4 preset, 1 process, pg pool ${options.poolSize}, production options`,
  };
}

/** Runs scripts/ensure-postgraphile-v5.sh (a no-op when installed) and returns the install folder. */
function ensurePostgraphileV5(root: string): string {
  const result = spawnSync('bash', [join(root, 'scripts/ensure-postgraphile-v5.sh')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dir = result.stdout.trim().split('\n').pop();
  if (result.status !== 0 || !dir) throw new Error('could not install PostGraphile v5 (scripts/ensure-postgraphile-v5.sh failed)');
  return dir;
}
