import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** Resolves (or returns true/undefined) when the dependency is usable; throws or returns false when not. */
export type ReadinessCheck = () => Promise<boolean | void> | boolean | void;

export interface OpsServerOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  registry: Registry;
  logger: Logger;
  /** Named readiness checks, run in parallel on each GET /readyz. */
  checks?: Record<string, ReadinessCheck>;
  /** A check slower than this counts as failed. Default 2000 ms. */
  checkTimeoutMs?: number;
  /** The service's own routes on the ops port (job-runner's operator UI), registered before it listens. */
  routes?: (app: FastifyInstance) => Promise<void> | void;
}

export interface OpsServer {
  /** `http://host:port` */
  address: string;
  port: number;
  /** From now on /healthz and /readyz answer 503 `shutting_down`, so load balancers drain us. */
  markShuttingDown(): void;
  close(): Promise<void>;
}

export interface CheckResult {
  status: 'ok' | 'failed';
  error?: string;
}

/** The ops port: GET /healthz, GET /readyz, GET /metrics, and the service's own `routes`. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const checks = options.checks ?? {};
  const timeoutMs = options.checkTimeoutMs ?? 2000;
  const logger = options.logger.child({ component: 'ops-server' });
  let shuttingDown = false;

  // Probes hit these routes every few seconds: no request logging.
  const app = Fastify({ logger: false });

  app.get('/healthz', async (_request, reply) => {
    if (shuttingDown) return reply.code(503).send({ status: 'shutting_down' });
    return reply.code(200).send({ status: 'ok' });
  });

  app.get('/readyz', async (_request, reply) => {
    if (shuttingDown) return reply.code(503).send({ status: 'shutting_down' });
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
    );
    const results = Object.fromEntries(entries);
    const failed = entries.filter(([, r]) => r.status === 'failed').map(([name]) => name);
    if (failed.length > 0) {
      logger.warn({ failed, checks: results }, 'readiness check failed');
      return reply.code(503).send({ status: 'not_ready', failed, checks: results });
    }
    return reply.code(200).send({ status: 'ready', checks: results });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await options.registry.metrics();
    return reply.code(200).header('content-type', options.registry.contentType).send(text);
  });

  if (options.routes) await options.routes(app);

  const host = options.host ?? '0.0.0.0';
  await app.listen({ host, port: options.port });
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  logger.info({ host, port }, 'ops server listening');

  let closing: Promise<void> | undefined;
  return {
    address: `http://${shownHost}:${port}`,
    port,
    markShuttingDown() {
      shuttingDown = true;
    },
    close: () => (closing ??= app.close()),
  };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'failed', error: `timed out after ${timeoutMs} ms` }), timeoutMs);
  });
  const run = (async (): Promise<CheckResult> => {
    try {
      const ok = await check();
      return ok === false ? { status: 'failed', error: 'check returned false' } : { status: 'ok' };
    } catch (error) {
      return { status: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
