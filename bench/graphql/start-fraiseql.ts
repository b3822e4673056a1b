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
  /** Security on (issue 12): callers authenticate with a JWT of this identity provider, counted by Redis rate limits. */
  security?: FraiseqlSecurity;
}

export interface FraiseqlSecurity {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The bearer token every benchmark request carries (valid for the whole run). */
  token: string;
  redisUrl: string;
}

/** A rate no benchmark reaches: every request is counted in Redis, none is refused (a refusal would void the run). */
const UNREACHED_RATE = '1000000000';

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

  const security = options.security;
  const { executor, gateway, gatewayPort } = await startFraiseqlServices(children, {
    root: options.root,
    natsUrl: `nats://127.0.0.1:${natsPort}`,
    schemaFile,
    databaseUrl: options.databaseUrl,
    executorEnv: {
      FRAISEQL_QUERY_EXECUTOR_POOL_MAX: String(options.poolSize),
      // Row-level security: request transactions as fraiseql_app (the default), or as the connection's own role.
      ...(security ? {} : { FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE: 'none' }),
    },
    gatewayEnv: security
      ? {
          FRAISEQL_DEV_AUTH: '0',
          FRAISEQL_AUTH_JWKS_URL: security.jwksUrl,
          FRAISEQL_AUTH_ISSUER: security.issuer,
          FRAISEQL_AUTH_AUDIENCE: security.audience,
          FRAISEQL_REDIS_URL: security.redisUrl,
          FRAISEQL_RATE_LIMIT_KEY_PREFIX: `fraiseql:bench:${process.pid}`,
          FRAISEQL_RATE_LIMIT_IP_REQUESTS: UNREACHED_RATE,
          FRAISEQL_RATE_LIMIT_PRINCIPAL_REQUESTS: UNREACHED_RATE,
        }
      : { FRAISEQL_RATE_LIMIT_IP_REQUESTS: '0', FRAISEQL_RATE_LIMIT_PRINCIPAL_REQUESTS: '0', FRAISEQL_RATE_LIMIT_API_KEY_REQUESTS: '0' },
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
  });

  return {
    name: security ? 'FraiseQL+security' : 'FraiseQL',
    url: `http://127.0.0.1:${gatewayPort}/graphql`,
    headers: security
      ? { 'content-type': 'application/json', authorization: `Bearer ${security.token}` }
      : { 'content-type': 'application/json', 'x-fraiseql-dev-subject': 'bench', 'x-fraiseql-dev-org': options.orgId },
    body: fraiseqlBody,
    pids: [gateway.pid, executor.pid, nats.pid],
    setup: security
      ? `as FraiseQL, with ES256 JWTs verified against a JWKS (local identity provider), every request counted by Redis rate limits (IP and principal), request transactions under row-level security (fraiseql_app)`
      : `gateway + query-executor (1 process each, pg pool ${options.poolSize}) + private nats-server; schema from file; dev-header auth; no rate limits; request transactions as the connection's role (no row-level security)`,
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
