/**
 * The second baseline: PostGraphile v5 (Grafast) as a library behind a plain node:http server, with
 * its grafserv node adaptor and production settings (no Ruru/GraphiQL, no explain, no watch mode,
 * no default mutations, errors masked). The V4 preset gives the same schema shape as v4
 * (`allTbOrders(condition, orderBy, first) { nodes { … } }`, the same relation names), so both
 * PostGraphiles answer the same document (order-queries.ts).
 *
 * Runs under Node 22 (postgraphile@5 needs it): start-postgraphile-v5.ts starts it as
 * `<node 22> --import tsx postgraphile-v5-server.ts`. PostGraphile v5 and its dependencies are not
 * in the workspace: scripts/ensure-postgraphile-v5.sh installs them into .cache/postgraphile-v5,
 * and this file loads them from there (BENCH_POSTGRAPHILE_V5_DIR), never the workspace's v4.
 * Configured by env: BENCH_DATABASE_URL, BENCH_PORT, BENCH_POOL_SIZE, BENCH_POSTGRAPHILE_V5_DIR.
 * Prints `ready <port>` on stdout once listening.
 */
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { stopWithParent } from './server-lifetime';

/** The part of postgraphile@5's `PostGraphileInstance` this server uses. */
interface PostGraphileInstance {
  getSchema(): Promise<unknown>;
  createServ(grafserv: unknown): { addTo(server: Server): Promise<void> };
  release(): unknown;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const port = Number(requiredEnv('BENCH_PORT'));
  const fromCache = createRequire(join(requiredEnv('BENCH_POSTGRAPHILE_V5_DIR'), 'package.json'));
  // The v5 packages' types live outside the workspace: only what this file uses, by hand.
  const { postgraphile } = fromCache('postgraphile') as { postgraphile: (preset: unknown) => PostGraphileInstance };
  const { makeV4Preset } = fromCache('postgraphile/presets/v4') as { makeV4Preset: (options: Record<string, unknown>) => unknown };
  const { makePgService } = fromCache('postgraphile/adaptors/pg') as { makePgService: (options: Record<string, unknown>) => unknown };
  const { grafserv } = fromCache('postgraphile/grafserv/node') as { grafserv: unknown };
  const { Pool } = fromCache('pg') as { Pool: new (config: Record<string, unknown>) => { end(): Promise<void> } };

  // The same pool size as the FraiseQL query-executor and PostGraphile v4 get.
  const pool = new Pool({ connectionString: requiredEnv('BENCH_DATABASE_URL'), max: Number(process.env.BENCH_POOL_SIZE ?? 10) });
  const preset = {
    extends: [
      makeV4Preset({
        // The same options as postgraphile-server.ts gives v4 (query batching no longer exists in v5).
        disableDefaultMutations: true,
        watchPg: false,
        graphiql: false,
        showErrorStack: false,
        extendedErrors: [],
        dynamicJson: true,
        ignoreRBAC: true,
        allowExplain: false,
        subscriptions: false,
      }),
    ],
    pgServices: [makePgService({ pool, schemas: ['public'] })],
    grafserv: { graphiql: false, watch: false, websockets: false, graphqlOverGET: false },
    grafast: { explain: false },
  };
  const pgl = postgraphile(preset);
  // Build the schema before listening, so the first timed request does not pay for introspection.
  await pgl.getSchema();
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  server.keepAliveTimeout = 60_000;
  await serv.addTo(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  process.stdout.write(`ready ${port}\n`);

  stopWithParent(server, async () => {
    await pgl.release();
    await pool.end();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`postgraphile-v5-server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
