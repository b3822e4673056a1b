import { join } from 'node:path';
import { freePort } from '@fraiseql/testkit';
import { benchChildEnv } from '../lib/bench-child-env';
import type { BenchChild, BenchChildren } from '../lib/child-processes';
import { waitReady } from '../lib/wait-ready';

export const FLIGHT_SERVER_ENTRY = 'services/flight-server/dist/main.js';
/** The node flags the chart, kustomize and `npm start` give the flight-server (ADR 0143): measured as deployed. */
export const FLIGHT_SERVER_NODE_FLAGS: readonly string[] = ['--initial-heap-size=128'];

export interface FlightServerOptions {
  root: string;
  natsUrl: string;
  schemaFile: string;
  /** As the role fraiseql_flight (what migrations/postgres/0004 grants). */
  databaseUrl: string;
  /** HS256 key the caller's JWT is signed with. */
  jwtSecret: string;
  ticketSecret: string;
  /** FRAISEQL_FLIGHT_BATCH_SIZE; undefined keeps the server's default. */
  batchSize: number | undefined;
  /** Extra node flags (e.g. --cpu-prof), after FLIGHT_SERVER_NODE_FLAGS. */
  nodeFlags?: string[];
  /** Streams served at once (the largest partitioned read); the server's defaults (8 streams, 10 connections) when fewer. */
  parallelStreams?: number;
}

export interface FlightServer {
  child: BenchChild;
  /** host:port of the gRPC listener. */
  address: string;
}

/** The built flight-server as a child process on free ports (production mode, JWT auth), once ready. */
export async function startFlightServer(children: BenchChildren, options: FlightServerOptions): Promise<FlightServer> {
  const port = await freePort();
  const opsPort = await freePort();
  const child = children.start('flight-server', process.execPath, {
    args: [...FLIGHT_SERVER_NODE_FLAGS, ...(options.nodeFlags ?? []), join(options.root, FLIGHT_SERVER_ENTRY)],
    cwd: options.root,
    env: {
      ...benchChildEnv(),
      NODE_ENV: 'production',
      FRAISEQL_ENV: 'production',
      FRAISEQL_LOG_LEVEL: 'warn',
      FRAISEQL_NATS_URL: options.natsUrl,
      FRAISEQL_SCHEMA_SOURCE: options.schemaFile,
      FRAISEQL_FLIGHT_HOST: '127.0.0.1',
      FRAISEQL_FLIGHT_PORT: String(port),
      FRAISEQL_FLIGHT_OPS_HOST: '127.0.0.1',
      FRAISEQL_FLIGHT_OPS_PORT: String(opsPort),
      FRAISEQL_FLIGHT_DATABASE_URL: options.databaseUrl,
      FRAISEQL_JWT_SECRET: options.jwtSecret,
      FRAISEQL_FLIGHT_TICKET_SECRET: options.ticketSecret,
      // A 10M-row size with three rounds can outlast the default 15 min session.
      FRAISEQL_FLIGHT_SESSION_TTL_MS: String(6 * 3600_000),
      // Throughput of one caller, not the per-caller limits (docs/security.md): off.
      FRAISEQL_RATE_LIMIT_PRINCIPAL_REQUESTS: '0',
      FRAISEQL_RATE_LIMIT_IP_REQUESTS: '0',
      FRAISEQL_FLIGHT_MAX_STREAMS_PER_PRINCIPAL: '0',
      ...(options.batchSize === undefined ? {} : { FRAISEQL_FLIGHT_BATCH_SIZE: String(options.batchSize) }),
      ...((options.parallelStreams ?? 0) > 8
        ? {
            FRAISEQL_FLIGHT_MAX_CONCURRENT_STREAMS: String(options.parallelStreams),
            FRAISEQL_FLIGHT_POOL_MAX: String(options.parallelStreams! + 2),
          }
        : {}),
    },
  });
  await waitReady(child, opsPort);
  return { child, address: `127.0.0.1:${port}` };
}
