import { startServiceProcess, waitFor, type ServiceProcess } from '@fraiseql/testkit';
import {
  duplicatesAndMissing,
  insertChangeLogRows,
  readEventStream,
  startChangeLogStack,
  streamMessageCount,
  unpublishedCount,
  type ChangeLogStack,
} from './fixtures/change-log-stack';

const RELAY_ENTRY = 'services/query-executor/test/fixtures/relay-process.ts';
const BURST = 50_000;

describe('ChangeLogRelay killed mid-burst', () => {
  let stack: ChangeLogStack;
  const children: ServiceProcess[] = [];

  beforeEach(async () => {
    stack = await startChangeLogStack();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
      await child.exited;
    }
    await stack.dispose();
  });

  const startRelayProcess = async (): Promise<ServiceProcess> => {
    const child = startServiceProcess(RELAY_ENTRY, { RELAY_NATS_URL: stack.nats.url, RELAY_DATABASE_URL: stack.db.url });
    children.push(child);
    await waitFor(() => child.stdout().includes('relay started') || child.child.exitCode !== null, 30_000);
    if (!child.stdout().includes('relay started')) throw new Error(`relay process did not start: ${child.stderr()}`);
    return child;
  };

  it('SIGKILLed during a 50,000-event burst and restarted: the stream holds each event_id exactly once', async () => {
    await insertChangeLogRows(stack, BURST);
    const first = await startRelayProcess();
    await waitFor(async () => (await unpublishedCount(stack)) <= BURST * 0.8, 60_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const leftAfterKill = await unpublishedCount(stack);
    const storedAfterKill = await streamMessageCount(stack.nc);

    await startRelayProcess();
    await waitFor(async () => (await unpublishedCount(stack)) === 0, 120_000);

    // The kill really landed mid-burst: rows were left for the second relay.
    expect(leftAfterKill).toBeGreaterThan(0);
    expect(storedAfterKill).toBeLessThan(BURST);
    const ids = (await stack.sql<{ id: string }>('SELECT event_id::text AS id FROM fraiseql.tb_entity_change_log')).map((r) => r.id);
    expect(ids).toHaveLength(BURST);
    const messages = await readEventStream(stack.nc);
    expect(messages).toHaveLength(BURST);
    expect(duplicatesAndMissing(messages, ids)).toEqual({ duplicates: [], missing: [], badMsgIds: 0 });
  });
});
