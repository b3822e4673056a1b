import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { JobApiClient } from '@fraiseql/jobs';
import { freePort, startServiceProcess, waitFor, type ServiceProcess } from '@fraiseql/testkit';
import { adminOf, lifecycleOf, ORG_A, startBackends } from './support';

const MAIN = join(__dirname, '../src/main.ts');
const JOBS = 12;

/** A webhook receiver that answers after `delayMs` and keeps what it was sent, by Idempotency-Key. */
async function startReceiver(delayMs: number): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests.push(String(request.headers['idempotency-key']));
      setTimeout(() => response.writeHead(200).end('ok'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests, server };
}

describe('job-runner processes killed and stopped (real processes, Redis, NATS JetStream, HTTP receiver)', () => {
  let backends: Awaited<ReturnType<typeof startBackends>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let api: JobApiClient;
  const processes: ServiceProcess[] = [];
  const A = adminOf(ORG_A);

  beforeAll(async () => {
    backends = await startBackends();
    receiver = await startReceiver(1500);
    api = new JobApiClient(backends.nc, { timeoutMs: 10_000 });
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    receiver?.server.closeAllConnections();
    receiver?.server.close();
    await backends?.dispose();
  });

  const startRunnerProcess = async (extra: Record<string, string> = {}): Promise<{ process: ServiceProcess; ops: string }> => {
    const opsPort = await freePort();
    const process = startServiceProcess(MAIN, {
      FRAISEQL_NATS_URL: backends.nats.url,
      FRAISEQL_REDIS_URL: backends.redis.url,
      FRAISEQL_JOB_OPS_PORT: String(opsPort),
      FRAISEQL_JOB_CONCURRENCY: '4',
      FRAISEQL_JOB_LOCK_MS: '2000',
      FRAISEQL_JOB_ALLOW_TARGETS: '127.0.0.1',
      FRAISEQL_LOG_LEVEL: 'warn',
      ...extra,
    });
    processes.push(process);
    const ops = `http://127.0.0.1:${opsPort}`;
    await waitFor(async () => (await fetch(`${ops}/readyz`).catch(() => undefined))?.ok === true, 30_000).catch(() => {
      throw new Error(`job-runner did not become ready:\n${process.stderr()}\n${process.stdout()}`);
    });
    return { process, ops };
  };

  it('a worker killed with SIGKILL mid-job: its jobs are recovered and each completes once in effect', async () => {
    const first = await startRunnerProcess();
    const ids = Array.from({ length: JOBS }, (_, i) => `hook-${i}`);
    for (const id of ids) await api.call('enqueue', { type: 'webhook', payload: { url: receiver.url, body: { id } }, jobId: id }, A);
    await waitFor(() => receiver.requests.length >= 3, 20_000);
    first.process.child.kill('SIGKILL');
    await first.process.exited;
    const inFlightWhenKilled = receiver.requests.length;

    await startRunnerProcess();
    await waitFor(async () => {
      const states = await Promise.all(ids.map(async (id) => (await api.call('get', { id }, A)).job?.state));
      return states.every((s) => s === 'succeeded');
    }, 60_000);

    // Every job reached the receiver; the ones cut off by the kill were sent again with the same key, so the
    // receiver (which deduplicates by Idempotency-Key, as the contract asks) applied each exactly once.
    expect(new Set(receiver.requests)).toEqual(new Set(ids.map((id) => `job:${id}`)));
    expect(receiver.requests.length).toBeGreaterThanOrEqual(JOBS);
    expect(inFlightWhenKilled).toBeLessThan(JOBS);
    for (const id of ids) {
      const events = await lifecycleOf(backends.nc, id, ORG_A);
      expect(events.filter((e) => e.state === 'succeeded')).toHaveLength(1);
      expect(events.filter((e) => e.state === 'dead' || e.state === 'failed')).toHaveLength(0);
    }
  }, 120_000);

  it('SIGTERM lets running jobs finish within the grace period and hands the rest back without spending an attempt', async () => {
    // Only the runner under test may take the job: stop the ones the previous test left running.
    for (const p of processes.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      await p.exited;
    }
    const slow = await startReceiver(6000);
    try {
      const running = await startRunnerProcess({
        FRAISEQL_JOB_SHUTDOWN_GRACE_MS: '500',
        FRAISEQL_SHUTDOWN_DEADLINE_MS: '5000',
        FRAISEQL_LOG_LEVEL: 'info',
      });
      await api.call('enqueue', { type: 'webhook', payload: { url: slow.url }, jobId: 'long-hook' }, A);
      await waitFor(() => slow.requests.length === 1, 20_000);
      running.process.child.kill('SIGTERM');
      const code = await running.process.exited;
      expect(code).toBe(0);
      expect(running.process.stdout()).toContain('running jobs handed back to the queue');
      const next = await startRunnerProcess();
      await waitFor(async () => (await api.call('get', { id: 'long-hook' }, A)).job?.state === 'succeeded', 30_000);
      const job = (await api.call('get', { id: 'long-hook' }, A)).job!;
      expect(job.attempts).toBe(1);
      expect((await lifecycleOf(backends.nc, 'long-hook', ORG_A)).filter((e) => e.state === 'failed')).toHaveLength(0);

      // The ops port: the operator UI (read-only) and the job metrics.
      const board = await fetch(`${next.ops}/board`);
      expect(board.status).toBe(200);
      expect(await board.text()).toContain('<html');
      const metrics = await (await fetch(`${next.ops}/metrics`)).text();
      expect(metrics).toMatch(/fraiseql_job_executed_total\{[^}]*job_type="webhook"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/fraiseql_job_queue_depth\{[^}]*state="completed"[^}]*\} [1-9]/);
    } finally {
      slow.server.closeAllConnections();
      slow.server.close();
    }
  }, 120_000);
});
