import { join } from 'node:path';
import type { Gateway } from '@fraiseql/gateway';
import { startServiceProcess, waitFor, type ServiceProcess } from '@fraiseql/testkit';
import { ORG_A } from './fixtures/notes-schema';
import { activeSleeps, CURSOR_SECRET, startNotesStack, type NotesStack } from './fixtures/notes-stack';
import { GRAPHQL_RESPONSE, graphql, jwtFor, startGateway } from './fixtures/services-in-process';

const EXECUTOR_MAIN = join(__dirname, '../../services/query-executor/src/main.ts');

describe('the query-executor killed while requests are in flight', () => {
  let stack: NotesStack;
  let gateway: Gateway;
  let token: string;
  const executors: ServiceProcess[] = [];

  const startExecutorProcess = (): ServiceProcess => {
    const executor = startServiceProcess(EXECUTOR_MAIN, {
      FRAISEQL_ENV: 'production',
      FRAISEQL_LOG_LEVEL: 'warn',
      FRAISEQL_NATS_URL: stack.nats.url,
      FRAISEQL_CURSOR_SECRET: CURSOR_SECRET,
      FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: stack.db.url,
      FRAISEQL_QUERY_EXECUTOR_OPS_PORT: '0',
    });
    executors.push(executor);
    return executor;
  };
  const serves = async (): Promise<boolean> => (await graphql(gateway, { query: '{ notes { id } }' }, { token })).status === 200;

  beforeAll(async () => {
    stack = await startNotesStack();
    // Short enough that a request whose executor died is answered soon, long enough for a cold start.
    gateway = (await startGateway(stack, { requestTimeoutMs: 3000 })).gateway;
    token = await jwtFor({ sub: 'alice', org_id: ORG_A });
  });
  afterAll(async () => {
    for (const e of executors) if (e.child.exitCode === null && e.child.signalCode === null) e.child.kill('SIGKILL');
    await Promise.all(executors.map((e) => e.exited));
    await gateway.close();
    await stack.dispose();
  });

  it('answers the requests in flight with FRAISEQL_TIMEOUT or FRAISEQL_EXECUTOR_UNAVAILABLE, and serves again once a new executor runs', async () => {
    const first = startExecutorProcess();
    await waitFor(serves, 30_000);

    const inFlight = [1, 2, 3].map(() => graphql(gateway, { query: '{ slowNotes { id } }' }, { token, accept: GRAPHQL_RESPONSE }));
    await waitFor(async () => (await activeSleeps(stack)) >= 3);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const answers = await Promise.all(inFlight);
    for (const answer of answers) {
      expect(['FRAISEQL_TIMEOUT', 'FRAISEQL_EXECUTOR_UNAVAILABLE']).toContain(answer.body.errors?.[0]?.extensions.code);
      expect([503, 504]).toContain(answer.status);
      expect(answer.body.data).toBeUndefined();
    }
    // With no executor left, new requests are refused at once and clearly.
    const meanwhile = await graphql(gateway, { query: '{ notes { id } }' }, { token, accept: GRAPHQL_RESPONSE });
    expect(meanwhile.status).toBe(503);
    expect(meanwhile.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_EXECUTOR_UNAVAILABLE');

    startExecutorProcess();
    await waitFor(serves, 30_000);
    const after = await graphql(gateway, { query: '{ notes(orderBy: [{ field: rank }]) { title } }' }, { token });
    expect(after.body).toEqual({ data: { notes: [{ title: 'alpha one' }, { title: 'alpha two' }, { title: 'alpha three' }] } });
  });
});
