import { FraiseqlError } from '@fraiseql/errors';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';
import { z } from 'zod';
import { defineNatsApi, NatsApiClient, serveNatsApi } from '../src';

// The generic request/reply discipline over a real nats-server (the job API's own tests cover overload and
// malformed bodies through libs/jobs): a second API, its own subjects and queue group, org-scoped by the caller.

const ECHO_API = defineNatsApi({
  name: 'echo API',
  service: 'echo-service',
  subjectPrefix: 'fraiseql.v1.test-echo',
  queueGroup: 'echo-service',
  requests: { echo: z.object({ text: z.string().min(1).max(10) }).strict(), 'who-am-i': z.object({}).strict() },
  unavailableCode: 'FRAISEQL_EXECUTOR_UNAVAILABLE',
});
type EchoResults = { echo: { text: string }; 'who-am-i': { subject: string | null; orgId: string | null } };
const caller = { subject: 'user-1', orgId: '00000000-0000-4000-8000-000000000001', roles: ['admin'] };

describe('NATS APIs (libs/nats-api, private nats-server)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
  });

  it('refuses an operation name that is not one subject token', () => {
    expect(() => defineNatsApi({ ...ECHO_API, requests: { 'a.b': z.object({}) } })).toThrow(/not one subject token/);
  });

  it('answers through the queue group with the caller read from headers; validates on both sides; names who is missing', async () => {
    const client = new NatsApiClient<typeof ECHO_API, EchoResults>(nc, ECHO_API, { timeoutMs: 2000 });
    await expect(client.call('echo', { text: 'hi' }, caller)).rejects.toMatchObject({
      code: 'FRAISEQL_EXECUTOR_UNAVAILABLE',
      message: 'No echo-service is running',
    });

    const subscription = serveNatsApi<typeof ECHO_API, EchoResults>(nc, ECHO_API, {
      echo: async ({ text }) => ({ text: text.toUpperCase() }),
      'who-am-i': async (_request, who) => ({ subject: who.subject, orgId: who.orgId }),
    });
    await nc.flush();
    try {
      expect(await client.call('echo', { text: 'hi' }, caller)).toEqual({ text: 'HI' });
      expect(await client.call('who-am-i', {}, caller)).toEqual({ subject: 'user-1', orgId: caller.orgId });
      const refused = await client.call('echo', { text: 'far too long a text' }, caller).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(FraiseqlError);
      expect(refused).toMatchObject({ code: 'FRAISEQL_BAD_REQUEST', message: expect.stringMatching(/^request\.text: /) });
      // The service checks again: a raw request past the client is refused the same way.
      const raw = await nc.request('fraiseql.v1.test-echo.echo', new TextEncoder().encode('{"text": 5}'));
      expect(JSON.parse(new TextDecoder().decode(raw.data))).toMatchObject({ ok: false, error: { code: 'FRAISEQL_BAD_REQUEST' } });
    } finally {
      subscription.unsubscribe();
    }
  });
});
