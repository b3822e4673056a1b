import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Gateway } from '@fraiseql/gateway';
import { freePort, startServiceProcess, waitFor, type ServiceProcess } from '@fraiseql/testkit';
import { ORG_A } from './fixtures/notes-schema';
import { activeSleeps, CURSOR_SECRET, startNotesStack, type NotesStack } from './fixtures/notes-stack';
import { GRAPHQL_RESPONSE, graphql, jwtFor, startGateway } from './fixtures/services-in-process';

const EXECUTOR_MAIN = join(__dirname, '../../services/query-executor/src/main.ts');

/**
 * The query-executor as its own process, SIGKILLed with requests in flight. Two gateways share
 * the stack: `live` with the liveness protocol (1.5 s window) and a request timeout far longer
 * than any test, so a FRAISEQL_TIMEOUT could never come from it; `patient` with liveness off.
 */
describe('the query-executor killed while requests are in flight', () => {
  let stack: NotesStack;
  let live: { gateway: Gateway; logs: () => string[]; registry: Registry };
  let patient: Gateway;
  let token: string;
  const executors: Array<ServiceProcess & { opsPort: number }> = [];

  const startExecutorProcess = async (): Promise<ServiceProcess & { opsPort: number }> => {
    const opsPort = await freePort();
    const executor = startServiceProcess(EXECUTOR_MAIN, {
      FRAISEQL_ENV: 'production',
      FRAISEQL_LOG_LEVEL: 'warn',
      FRAISEQL_NATS_URL: stack.nats.url,
      FRAISEQL_CURSOR_SECRET: CURSOR_SECRET,
      FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: stack.db.url,
      FRAISEQL_QUERY_EXECUTOR_OPS_PORT: String(opsPort),
      // The notes fixture has no framework migrations nor grants: requests run as the connection's role (ADR 0132).
      FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE: 'none',
    });
    const started = Object.assign(executor, { opsPort });
    executors.push(started);
    return started;
  };
  const serves = async (): Promise<boolean> => (await graphql(live.gateway, { query: '{ notes { id } }' }, { token })).status === 200;
  const executorsLost = async (): Promise<number> =>
    (await live.registry.getSingleMetric('fraiseql_gateway_executor_lost_total')!.get()).values[0]?.value ?? 0;
  /** Sends `count` sleepy requests through `gateway` and returns once each holds a PostgreSQL backend. */
  const sleepyRequestsInFlight = async (gateway: Gateway, count: number, requestIdPrefix: string) => {
    const inFlight = Array.from({ length: count }, (_, i) =>
      graphql(
        gateway,
        { query: '{ sleepyNotes { id } }' },
        { token, accept: GRAPHQL_RESPONSE, headers: { 'x-request-id': `${requestIdPrefix}-${i}` } },
      ),
    );
    await waitFor(async () => (await activeSleeps(stack)) >= count);
    return inFlight;
  };

  beforeAll(async () => {
    stack = await startNotesStack();
    live = await startGateway(stack, { requestTimeoutMs: 60_000, executorLivenessMs: 1500 });
    // Longer than the sleepy view, and than a default liveness window would take to notice the kill.
    patient = (await startGateway(stack, { requestTimeoutMs: 6000, executorLivenessMs: 0 })).gateway;
    token = await jwtFor({ sub: 'alice', org_id: ORG_A });
  });
  // Each test starts its own executors and leaves none behind (the queue group would share requests).
  afterEach(async () => {
    for (const e of executors) if (e.child.exitCode === null && e.child.signalCode === null) e.child.kill('SIGKILL');
    await Promise.all(executors.splice(0).map((e) => e.exited));
    // A killed executor's PostgreSQL backends sleep on: the next test counts the sleeps it starts itself.
    await waitFor(async () => (await activeSleeps(stack)) === 0, 30_000);
  });
  afterAll(async () => {
    await live.gateway.close();
    await patient.close();
    await stack.dispose();
  });

  it('answers every request in flight with FRAISEQL_EXECUTOR_UNAVAILABLE once its heartbeats stop, and serves again once a new executor runs', async () => {
    const first = await startExecutorProcess();
    await waitFor(serves, 30_000);
    const lostBefore = await executorsLost();

    const inFlight = await sleepyRequestsInFlight(live.gateway, 3, 'killed');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    // FRAISEQL_TIMEOUT would mean the 60 s request timeout answered: the liveness window did.
    for (const answer of await Promise.all(inFlight)) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body.errors).toEqual([
        {
          message: 'The query-executor handling this request stopped responding; retry',
          extensions: { code: 'FRAISEQL_EXECUTOR_UNAVAILABLE' },
        },
      ]);
      expect(answer.body.data).toBeUndefined();
    }
    expect((await executorsLost()) - lostBefore).toBe(3);
    const warnings = live
      .logs()
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'the query-executor handling a request stopped responding');
    expect(warnings.map((w) => w.requestId).sort()).toEqual(expect.arrayContaining(['killed-0', 'killed-1', 'killed-2']));
    expect(warnings.every((w) => w.level === 'warn')).toBe(true);

    // With no executor left, new requests are refused at once and clearly.
    const meanwhile = await graphql(live.gateway, { query: '{ notes { id } }' }, { token, accept: GRAPHQL_RESPONSE });
    expect(meanwhile.status).toBe(503);
    expect(meanwhile.body.errors?.[0]).toEqual({
      message: 'No query-executor is running; retry shortly',
      extensions: { code: 'FRAISEQL_EXECUTOR_UNAVAILABLE' },
    });

    await startExecutorProcess();
    await waitFor(serves, 30_000);
    const after = await graphql(live.gateway, { query: '{ notes(orderBy: [{ field: rank }]) { title } }' }, { token });
    expect(after.body).toEqual({ data: { notes: [{ title: 'alpha one' }, { title: 'alpha two' }, { title: 'alpha three' }] } });
  });

  it('keeps a slow but healthy request alive with heartbeats: it completes with its data', async () => {
    const executor = await startExecutorProcess();
    await waitFor(serves, 30_000);
    const lostBefore = await executorsLost();

    // Four seconds in PostgreSQL: more than two liveness windows of 1.5 s.
    const slow = await graphql(live.gateway, { query: '{ sleepyNotes { title } }' }, { token, accept: GRAPHQL_RESPONSE });
    expect(slow.status).toBe(200);
    expect(slow.body).toEqual({ data: { sleepyNotes: [{ title: 'alpha one' }] } });
    expect(await executorsLost()).toBe(lostBefore);
    const metrics = await (await fetch(`http://127.0.0.1:${executor.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/^fraiseql_query_executor_heartbeats_total\{service="query-executor"\} [1-9]\d*$/m);
  });

  it('with liveness off, answers the requests in flight of a killed executor with FRAISEQL_TIMEOUT, as before heartbeats existed', async () => {
    const executor = await startExecutorProcess();
    await waitFor(serves, 30_000);

    const inFlight = await sleepyRequestsInFlight(patient, 2, 'patient');
    executor.child.kill('SIGKILL');
    expect(await executor.exited).toBe('SIGKILL');

    for (const answer of await Promise.all(inFlight)) {
      expect(answer.status).toBe(504);
      expect(answer.body.errors).toEqual([
        { message: 'No query-executor answered within 6000 ms', extensions: { code: 'FRAISEQL_TIMEOUT' } },
      ]);
    }
  });
});
