import { encodeEntityEvent } from '@fraiseql/events';
import { observerJobId } from '@fraiseql/jobs';
import { CONSUMERS, HEADERS, replaySubject, STREAMS } from '@fraiseql/nats-contract';
import { waitFor } from '@fraiseql/testkit';
import { headers as natsHeaders } from 'nats';
import { startJobApiStandIn, type JobApiStandIn } from './job-stand-in';
import { fastRetry, ORG_A, orderEvent, startFleet, startReceiver, type Fleet, type Receiver } from './support';

jest.setTimeout(60_000);

/** An admin rule of org A handing every Order UPDATE to the job-runner as an `order-export` job. */
function jobRule(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    entityType: 'Order',
    eventTypes: ['UPDATE'],
    actions: [{ type: 'job', jobType: 'order-export', payload: '{"order": {{ entity_id }}, "total": {{ data.total }}}', delayMs: 1500 }],
    retryPolicy: fastRetry(20),
    ...extra,
  };
}

describe('observer-worker job action (real NATS JetStream and Redis; job API stand-in)', () => {
  let fleet: Fleet;
  let receiver: Receiver;
  let standIn: JobApiStandIn | undefined;
  let failWebhook = 0;

  beforeEach(async () => {
    failWebhook = 0;
    receiver = await startReceiver((_request, response) => {
      const fail = failWebhook > 0;
      if (fail) failWebhook--;
      response.writeHead(fail ? 503 : 200);
      response.end(fail ? 'no' : 'ok');
    });
    fleet = await startFleet();
  });
  afterEach(async () => {
    await standIn?.stop();
    standIn = undefined;
    await fleet.dispose();
    await receiver.close();
  });

  const pending = async (): Promise<number> => {
    const jsm = await fleet.nc.jetstreamManager();
    const info = await jsm.consumers.info(STREAMS.events, CONSUMERS.observerWorker);
    return info.num_pending + info.num_ack_pending;
  };

  it('enqueues exactly one job for a matching event, and a redelivery of the event (another action failed once) enqueues nothing more (job API stand-in)', async () => {
    standIn = await startJobApiStandIn(fleet.nc);
    await fleet.putRule(ORG_A, {
      ...jobRule('exportOrder'),
      actions: [...(jobRule('x').actions as unknown[]), { type: 'webhook', url: `${receiver.url}/flaky` }],
    });
    failWebhook = 1;
    const event = orderEvent();
    await fleet.publish(event);
    await waitFor(async () => (await pending()) === 0 && receiver.received.length === 2, 15_000);

    // The event came back once (for the webhook); the job part was done and never ran again.
    expect(standIn.requests).toHaveLength(1);
    expect(standIn.creations()).toBe(1);
    const jobId = observerJobId('admin:exportOrder', 0, event.event_id);
    expect(standIn.requests[0]).toEqual({
      request: {
        type: 'order-export',
        payload: { order: event.entity_id, total: 42.5 },
        jobId,
        delayMs: 1500,
        source: { kind: 'observer', rule: 'admin:exportOrder', action: 0, eventId: event.event_id },
      },
      caller: { subject: 'service:observer-worker', orgId: ORG_A, roles: ['service'] },
    });
    expect(standIn.jobs.get(jobId)).toMatchObject({ type: 'order-export', orgId: ORG_A, createdBy: 'service:observer-worker' });
    expect(await fleet.deadLetters()).toEqual([]);
    expect(await fleet.metric('fraiseql_observer_action_executed_total', { action_type: 'job', outcome: 'success' })).toBe(1);
  });

  it('makes one job when the answer of the first enqueue was lost: the retry finds the job by its id (job API stand-in)', async () => {
    standIn = await startJobApiStandIn(fleet.nc);
    standIn.answerAfter(1500); // longer than the rule's 300 ms budget: the job exists, the answer comes too late
    await fleet.putRule(ORG_A, jobRule('exportSlow', { timeoutMs: 300 }));
    const event = orderEvent();
    await fleet.publish(event);
    await waitFor(() => standIn!.requests.length === 1, 10_000);
    standIn.answerAfter(0);
    await waitFor(async () => (await pending()) === 0 && standIn!.requests.length >= 2, 15_000);

    expect(standIn.creations()).toBe(1);
    expect(new Set(standIn.requests.map((r) => r.request.jobId))).toEqual(new Set([observerJobId('admin:exportSlow', 0, event.event_id)]));
    expect(await fleet.metric('fraiseql_observer_action_errors_total', { error_type: 'FRAISEQL_JOB_RUNNER_UNAVAILABLE' })).toBe(1);
    expect(await fleet.deadLetters()).toEqual([]);
  });

  it('retries the event while no job-runner answers, loses nothing, and enqueues once the job-runner starts (job API stand-in)', async () => {
    await fleet.putRule(ORG_A, jobRule('exportLater'));
    const event = orderEvent();
    await fleet.publish(event);
    await waitFor(
      async () => (await fleet.metric('fraiseql_observer_action_errors_total', { error_type: 'FRAISEQL_JOB_RUNNER_UNAVAILABLE' })) >= 3,
      15_000,
    );
    expect(await pending()).toBe(1); // not acked: still the worker's
    standIn = await startJobApiStandIn(fleet.nc);
    await waitFor(async () => (await pending()) === 0 && standIn!.creations() === 1, 15_000);
    expect(standIn.requests).toHaveLength(1);
    expect([...standIn.jobs.keys()]).toEqual([observerJobId('admin:exportLater', 0, event.event_id)]);
    expect(await fleet.deadLetters()).toEqual([]);
  });

  it('dead-letters a permanent refusal with its code at once; replays of the letter make one job, however often (job API stand-in)', async () => {
    standIn = await startJobApiStandIn(fleet.nc);
    standIn.refuse('FRAISEQL_JOB_TYPE_UNKNOWN');
    await fleet.putRule(ORG_A, jobRule('exportUnknown'));
    const event = orderEvent();
    await fleet.publish(event);
    await waitFor(async () => (await fleet.deadLetters()).length === 1, 10_000);
    const [letter] = await fleet.deadLetters();
    expect(letter).toMatchObject({
      source: 'observer-worker',
      error: { code: 'FRAISEQL_JOB_TYPE_UNKNOWN', message: expect.stringContaining('FRAISEQL_JOB_TYPE_UNKNOWN') },
      attempts: { count: 1, history: [{ attempt: 1, error: { code: 'FRAISEQL_JOB_TYPE_UNKNOWN' } }] },
      details: {
        key: 'admin:exportUnknown/0',
        action_type: 'job',
        request: { type: 'job', jobType: 'order-export', payload: `{"order": "${event.entity_id}", "total": 42.5}`, delayMs: 1500 },
      },
    });
    expect(standIn.requests).toHaveLength(1);
    await waitFor(async () => (await pending()) === 0);

    // The type is registered now: a replay (what `fraiseql dlq replay` publishes) enqueues it; a second replay does not.
    standIn.refuse(undefined);
    const replay = async (msgId: string): Promise<void> => {
      const h = natsHeaders();
      h.set(HEADERS.replayOf, String(letter!.seq));
      h.set(HEADERS.replayKey, 'admin:exportUnknown/0');
      await fleet.nc
        .jetstream()
        .publish(replaySubject('observer-worker', ORG_A, 'Order'), encodeEntityEvent(event), { headers: h, msgID: msgId });
    };
    await replay('replay-a');
    await replay('replay-b');
    const jsm = await fleet.nc.jetstreamManager();
    await waitFor(async () => {
      const info = await jsm.consumers.info(STREAMS.replay, CONSUMERS.observerWorkerReplay);
      return info.delivered.stream_seq === 2 && info.num_ack_pending === 0 && info.num_pending === 0;
    }, 10_000);
    expect(standIn.creations()).toBe(1);
    expect([...standIn.jobs.keys()]).toEqual([observerJobId('admin:exportUnknown', 0, event.event_id)]);
    expect(await fleet.deadLetters()).toHaveLength(1);
  });
});
