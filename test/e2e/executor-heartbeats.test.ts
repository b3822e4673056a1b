import { createInbox, headers as natsHeaders, type Msg } from 'nats';
import { HEADERS, isHeartbeat, SUBJECTS, writeCallerHeaders } from '@fraiseql/nats-contract';
import { createQueryExecutor, type QueryExecutor } from '@fraiseql/query-executor';
import { waitFor } from '@fraiseql/testkit';
import { ORG_A } from './fixtures/notes-schema';
import { asOrg, capturedLogger, startNotesStack, type NotesStack } from './fixtures/notes-stack';
import { executorOptions } from './fixtures/services-in-process';

describe('query-executor heartbeats', () => {
  let stack: NotesStack;
  let executor: QueryExecutor;
  let options: ReturnType<typeof executorOptions>;

  beforeAll(async () => {
    stack = await startNotesStack();
    options = executorOptions(stack, capturedLogger('query-executor').logger);
    executor = await createQueryExecutor(options);
    await waitFor(() => executor.schemaHash() !== undefined);
  });
  afterAll(async () => {
    await executor.close();
    await stack.dispose();
  });

  /** Sends a query with its own reply inbox; `messages()` is everything that came back on it so far. */
  function send(query: string, extraHeaders: Record<string, string>): { final: Promise<Msg>; messages: () => Msg[] } {
    const inbox = createInbox();
    const received: Msg[] = [];
    let resolveFinal!: (msg: Msg) => void;
    const final = new Promise<Msg>((resolve) => (resolveFinal = resolve));
    stack.nc.subscribe(inbox, {
      callback: (_error, msg) => {
        received.push(msg);
        if (!isHeartbeat(msg)) resolveFinal(msg);
      },
    });
    const h = natsHeaders();
    writeCallerHeaders(h, asOrg(ORG_A));
    for (const [k, v] of Object.entries(extraHeaders)) h.set(k, v);
    stack.nc.publish(SUBJECTS.query, JSON.stringify({ query }), { reply: inbox, headers: h });
    return { final, messages: () => [...received] };
  }
  const heartbeatsSent = async (): Promise<number> =>
    (await options.registry.getSingleMetric('fraiseql_query_executor_heartbeats_total')!.get()).values[0]?.value ?? 0;

  it('heartbeats while a slow request runs, then sends the final reply with its data last', async () => {
    const before = await heartbeatsSent();
    const slow = send('{ slowNotes { title } }', { [HEADERS.heartbeatMs]: '100' });
    const final = await slow.final;
    expect(JSON.parse(final.string())).toEqual({ data: { slowNotes: [{ title: 'alpha one' }] } });
    const heartbeats = slow.messages().slice(0, -1);
    expect(heartbeats.length).toBeGreaterThan(0);
    for (const h of heartbeats) {
      expect(h.data).toHaveLength(0);
      expect(h.headers?.get(HEADERS.status)).toBe('102');
    }
    expect((await heartbeatsSent()) - before).toBe(heartbeats.length);
  });

  it('sends only the final reply to a request answered within its heartbeat interval', async () => {
    const fast = send('{ notes { title } }', { [HEADERS.heartbeatMs]: '60000' });
    await fast.final;
    expect(fast.messages()).toHaveLength(1);
  });

  it('sends no heartbeat to a requester that did not ask for one (a gateway older than the protocol)', async () => {
    const before = await heartbeatsSent();
    const slow = send('{ slowNotes { title } }', {});
    expect(JSON.parse((await slow.final).string()).data.slowNotes).toHaveLength(1);
    expect(slow.messages()).toHaveLength(1);
    expect(await heartbeatsSent()).toBe(before);
  });

  it('stops heartbeating once a failed request has sent its error reply', async () => {
    // The deadline cuts the statement short: heartbeats, then FRAISEQL_TIMEOUT.
    const failing = send('{ slowNotes { title } }', { [HEADERS.heartbeatMs]: '100', [HEADERS.deadlineEpochMs]: String(Date.now() + 1000) });
    const final = await failing.final;
    expect(JSON.parse(final.string()).errors[0].extensions.code).toBe('FRAISEQL_TIMEOUT');
    const settled = failing.messages().length;
    expect(settled).toBeGreaterThan(1);
    // A second slow request lasts many heartbeat intervals: a timer leaked by the first would fire meanwhile.
    const second = send('{ slowNotes { title } }', { [HEADERS.heartbeatMs]: '100' });
    await second.final;
    expect(second.messages().length).toBeGreaterThan(1);
    await stack.nc.flush();
    expect(failing.messages()).toHaveLength(settled);
  });
});
