/**
 * The baseline: PostGraphile v4 as a library behind a plain node:http server, configured the way
 * its docs recommend for production (no GraphiQL, no query log, no stack traces, no watch mode).
 * Run as its own process by run.ts (`node --import tsx postgraphile-server.ts`); configured by env:
 * BENCH_DATABASE_URL, BENCH_PORT, BENCH_POOL_SIZE. Prints `ready <port>` on stdout once listening.
 */
import './postgraphile-single-graphql';
import { createServer } from 'node:http';
import { stopWithParent } from './server-lifetime';
import { Pool } from 'pg';
import { postgraphile } from 'postgraphile';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const port = Number(requiredEnv('BENCH_PORT'));
  // The same pool size as the FraiseQL query-executor gets, so neither side wins on connections.
  const pool = new Pool({ connectionString: requiredEnv('BENCH_DATABASE_URL'), max: Number(process.env.BENCH_POOL_SIZE ?? 10) });
  const handler = postgraphile(pool, 'public', {
    // Reads only: mutations are not part of the comparison and only slow introspection down.
    disableDefaultMutations: true,
    watchPg: false,
    graphiql: false,
    enhanceGraphiql: false,
    disableQueryLog: true,
    showErrorStack: false,
    extendedErrors: [],
    dynamicJson: true,
    enableQueryBatching: false,
    retryOnInitFail: false,
    // Introspect once at start; the schema does not change during a run.
    ignoreRBAC: true,
  });
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  process.stdout.write(`ready ${port}\n`);

  stopWithParent(server, () => pool.end());
}

main().catch((error: unknown) => {
  process.stderr.write(`postgraphile-server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
