import { HEADERS, replaySubject, STREAMS, CONSUMERS } from '@fraiseql/nats-contract';
import { encodeEntityEvent } from '@fraiseql/events';
import { verifyWebhookSignature } from '@fraiseql/observer-actions';
import { waitFor } from '@fraiseql/testkit';
import { headers as natsHeaders } from 'nats';
import { fastRetry, ORG_A, ORG_B, orderEvent, startFleet, startReceiver, webhookRule, type Fleet, type Receiver } from './support';

jest.setTimeout(60_000);

const FAST_RETRY = fastRetry(4);

describe('observer-worker (real NATS JetStream, Redis, HTTP receivers; the demo shop schema)', () => {
  let fleet: Fleet;
  let receiver: Receiver;
  let answers: ((path: string, n: number) => { status: number; headers?: Record<string, string> }) | undefined;

  beforeEach(async () => {
    answers = undefined;
    receiver = await startReceiver((request, response) => {
      const n = receiver.received.filter((r) => r.path === request.path).length;
      const answer = answers?.(request.path, n) ?? { status: 200 };
      response.writeHead(answer.status, answer.headers ?? {});
      response.end(answer.status < 300 ? 'ok' : 'no');
    });
    fleet = await startFleet();
  });
  afterEach(async () => {
    await fleet.dispose();
    await receiver.close();
  });

  const pending = async (): Promise<number> => {
    const jsm = await fleet.nc.jetstreamManager();
    const info = await jsm.consumers.info(STREAMS.events, CONSUMERS.observerWorker);
    return info.num_pending + info.num_ack_pending;
  };

  it('fires a webhook only when the condition holds, signed, with an Idempotency-Key of rule, action and event', async () => {
    await fleet.putRule(
      ORG_A,
      webhookRule('paidOrders', `${receiver.url}/paid`, { condition: "changed_to('status', 'PAID') && data.total > 10" }),
    );
    const fires = orderEvent();
    const cheap = orderEvent({ data: { ...orderEvent().data, total: 5 } });
    const otherChange = orderEvent({ data: { ...orderEvent().data, status: 'SHIPPED' }, before: { status: 'PAID' } });
    for (const event of [cheap, fires, otherChange]) await fleet.publish(event);
    await waitFor(async () => (await pending()) === 0 && receiver.received.length >= 1);
    await new Promise((r) => setTimeout(r, 300));

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.headers['idempotency-key']).toBe(`${fires.event_id}:admin:paidOrders/0`);
    const body = JSON.parse(request!.body) as { event_id: string };
    expect(body.event_id).toBe(fires.event_id);
    expect(verifyWebhookSignature(String(request!.headers['x-fraiseql-signature-256']), request!.body, 'test-signing-key-1234')).toBe(true);
    expect(await fleet.metric('fraiseql_observer_events_processed_total')).toBe(3);
    expect(await fleet.metric('fraiseql_observer_action_executed_total', { action_type: 'webhook', outcome: 'success' })).toBe(1);
  });

  it("keeps a rule of org A off org B's events", async () => {
    await fleet.putRule(ORG_A, webhookRule('onlyA', `${receiver.url}/a`));
    const a = orderEvent({ org_id: ORG_A });
    const b = orderEvent({ org_id: ORG_B });
    await fleet.publish(b);
    await fleet.publish(a);
    await waitFor(async () => (await pending()) === 0 && receiver.received.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.map((r) => String(r.headers['idempotency-key']))).toEqual([`${a.event_id}:admin:onlyA/0`]);
  });

  it("retries 5xx on the rule's policy, honours Retry-After of a 429, and delivers each action once", async () => {
    await fleet.putRule(ORG_A, webhookRule('flaky', `${receiver.url}/flaky`, { retryPolicy: FAST_RETRY }));
    await fleet.putRule(ORG_A, webhookRule('throttled', `${receiver.url}/throttled`, { retryPolicy: FAST_RETRY }));
    const throttledEvent = orderEvent();
    // /flaky: 503, 503, 200; /throttled: 429 Retry-After 1 s, then 200.
    answers = (path, n) =>
      path === '/throttled'
        ? n === 1
          ? { status: 429, headers: { 'retry-after': '1' } }
          : { status: 200 }
        : n <= 2
          ? { status: 503 }
          : { status: 200 };
    await fleet.publish(throttledEvent);
    await waitFor(async () => (await pending()) === 0, 15_000);

    const flaky = receiver.received.filter((r) => r.path === '/flaky');
    const throttled = receiver.received.filter((r) => r.path === '/throttled');
    expect(flaky).toHaveLength(3);
    expect(throttled).toHaveLength(2);
    // Every attempt carries the same key: the receiver acts once.
    expect(new Set(flaky.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${throttledEvent.event_id}:admin:flaky/0`]));
    // 200 ms fixed between flaky attempts (nak(delay) scheduling; the tolerance absorbs a loaded machine).
    expect(flaky[1]!.at - flaky[0]!.at).toBeGreaterThanOrEqual(180);
    expect(flaky[2]!.at - flaky[1]!.at).toBeGreaterThanOrEqual(180);
    // Retry-After: 1 wins over the 200 ms policy.
    expect(throttled[1]!.at - throttled[0]!.at).toBeGreaterThanOrEqual(950);
    expect(await fleet.deadLetters()).toEqual([]);
    expect(await fleet.metric('fraiseql_observer_action_errors_total', { error_type: 'FRAISEQL_ACTION_THROTTLED' })).toBe(1);
    expect(await fleet.metric('fraiseql_observer_action_errors_total', { error_type: 'FRAISEQL_ACTION_RECEIVER_ERROR' })).toBe(2);
  });

  it('dead-letters a permanent failure at once, alone: the other action of the event still happens once', async () => {
    await fleet.putRule(ORG_A, {
      ...webhookRule('mixed', `${receiver.url}/gone`, { retryPolicy: FAST_RETRY }),
      actions: [
        { type: 'webhook', url: `${receiver.url}/gone`, headers: { Authorization: { secret: 'receiver-token' } } },
        { type: 'webhook', url: `${receiver.url}/ok` },
      ],
    });
    answers = (path) => (path === '/gone' ? { status: 410 } : { status: 200 });
    const event = orderEvent();
    await fleet.publish(event);
    await waitFor(async () => (await pending()) === 0 && (await fleet.deadLetters()).length === 1, 10_000);

    expect(receiver.received.filter((r) => r.path === '/gone')).toHaveLength(1);
    expect(receiver.received.filter((r) => r.path === '/ok')).toHaveLength(1);
    const [letter] = await fleet.deadLetters();
    expect(letter).toMatchObject({
      source: 'observer-worker',
      subject: expect.stringContaining(`fraiseql.v1.events.${ORG_A}.Order.UPDATE`),
      error: { code: 'FRAISEQL_ACTION_REJECTED' },
      attempts: { count: 1, history: [{ attempt: 1, error: { code: 'FRAISEQL_ACTION_REJECTED' } }] },
      details: { key: 'admin:mixed/0', rule: 'mixed', rule_origin: 'admin', action_index: 0, action_type: 'webhook' },
    });
    expect(letter!.event).toMatchObject({ event_id: event.event_id });
    // The rendered request is kept for whoever replays it, its secret header redacted.
    const request = letter!.details!.request as { url: string; headers: Record<string, string> };
    expect(request.url).toBe(`${receiver.url}/gone`);
    expect(request.headers.Authorization).toBe('[REDACTED]');
    expect(JSON.stringify(letter)).not.toContain('receiver-token-5678');
    // …while the receiver got the real value.
    expect(receiver.received.find((r) => r.path === '/gone')!.headers.authorization).toBe('Bearer receiver-token-5678');
  });

  it('dead-letters after the last attempt with every attempt recorded, and a replay goes through the normal path once', async () => {
    await fleet.putRule(ORG_A, webhookRule('down', `${receiver.url}/down`, { retryPolicy: { ...FAST_RETRY, maximumAttempts: 3 } }));
    let healthy = false;
    answers = () => (healthy ? { status: 200 } : { status: 500 });
    const event = orderEvent();
    await fleet.publish(event);
    await waitFor(async () => (await fleet.deadLetters()).length === 1, 10_000);
    const [letter] = await fleet.deadLetters();
    expect(letter!.attempts.history.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(letter!.attempts.history.every((a) => a.error.code === 'FRAISEQL_ACTION_RECEIVER_ERROR')).toBe(true);
    expect(receiver.received).toHaveLength(3);

    // Replay (what `fraiseql dlq replay` publishes): FRAISEQL_REPLAY, only this action, deduplicated like any other.
    const replay = async (msgId: string): Promise<void> => {
      const h = natsHeaders();
      h.set(HEADERS.replayOf, String(letter!.seq));
      h.set(HEADERS.replayKey, 'admin:down/0');
      await fleet.nc
        .jetstream()
        .publish(replaySubject('observer-worker', ORG_A, 'Order'), encodeEntityEvent(event), { headers: h, msgID: msgId });
    };
    // Replayed while the receiver still fails: a new dead letter (the first one may have been removed), not a lost one.
    await replay('replay-0');
    await waitFor(async () => (await fleet.deadLetters()).length === 2, 10_000);
    const second = (await fleet.deadLetters())[1]!;
    expect(second.stream).toBe(STREAMS.replay);
    expect(second.details).toMatchObject({ key: 'admin:down/0' });
    expect(receiver.received).toHaveLength(6);

    healthy = true;
    await replay('replay-1');
    await waitFor(() => receiver.received.length === 7, 10_000);
    expect(receiver.received[6]!.headers['idempotency-key']).toBe(`${event.event_id}:admin:down/0`);
    await replay('replay-2');
    const jsm = await fleet.nc.jetstreamManager();
    await waitFor(async () => {
      const info = await jsm.consumers.info(STREAMS.replay, CONSUMERS.observerWorkerReplay);
      return info.delivered.stream_seq === 3 && info.num_ack_pending === 0;
    }, 10_000);
    expect(receiver.received).toHaveLength(7);
    expect(await fleet.metric('fraiseql_observer_dedup_detected_total')).toBeGreaterThanOrEqual(1);
  });

  it('never repeats an action that succeeded when the event comes back for another action', async () => {
    await fleet.putRule(ORG_A, {
      ...webhookRule('pair', `${receiver.url}/first`, { retryPolicy: FAST_RETRY }),
      actions: [
        { type: 'webhook', url: `${receiver.url}/first` },
        { type: 'webhook', url: `${receiver.url}/second` },
      ],
    });
    answers = (path, n) => (path === '/second' && n <= 2 ? { status: 502 } : { status: 200 });
    await fleet.publish(orderEvent());
    await waitFor(async () => (await pending()) === 0 && receiver.received.filter((r) => r.path === '/second').length === 3, 10_000);
    expect(receiver.received.filter((r) => r.path === '/first')).toHaveLength(1);
  });

  it('reloads rules without a restart: update, disable, delete', async () => {
    await fleet.putRule(ORG_A, webhookRule('live', `${receiver.url}/v1`));
    await fleet.publish(orderEvent());
    await waitFor(() => receiver.received.length === 1);
    await fleet.putRule(ORG_A, webhookRule('live', `${receiver.url}/v2`), { version: 2 });
    await fleet.publish(orderEvent());
    await waitFor(() => receiver.received.length === 2);
    await fleet.putRule(ORG_A, webhookRule('live', `${receiver.url}/v3`), { version: 3, enabled: false });
    await fleet.publish(orderEvent());
    await fleet.deleteRule(ORG_A, 'live');
    await fleet.publish(orderEvent());
    await waitFor(async () => (await pending()) === 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.map((r) => r.path)).toEqual(['/v1', '/v2']);
  });

  it('refuses an admin rule that does not validate against the schema, and counts it', async () => {
    const kvRule = webhookRule('broken', `${receiver.url}/x`, { condition: 'data.noSuchField == 1' });
    await expect(fleet.putRule(ORG_A, kvRule)).rejects.toThrow(/condition not met/);
    expect(await fleet.metric('fraiseql_observer_rules_rejected_total', { origin: 'admin' })).toBe(1);
    expect(fleet.worker.rules.rules().filter((r) => r.origin === 'admin')).toEqual([]);
  });

  it('keeps delivering while Redis is down (at least once) and deduplicates again once it is back', async () => {
    await fleet.putRule(ORG_A, webhookRule('redisless', `${receiver.url}/r`));
    await fleet.redis.stop();
    await fleet.publish(orderEvent());
    await waitFor(() => receiver.received.length === 1, 10_000);
    expect(await fleet.metric('fraiseql_observer_dedup_unavailable_total')).toBeGreaterThanOrEqual(1);

    await fleet.redis.start();
    const event = orderEvent();
    // Wait for the client to reconnect: a mark written now is seen by the replay below.
    await new Promise((r) => setTimeout(r, 1500));
    await fleet.publish(event);
    await waitFor(() => receiver.received.length === 2, 10_000);
    const h = natsHeaders();
    h.set(HEADERS.replayOf, '999');
    await fleet.nc.jetstream().publish(replaySubject('observer-worker', ORG_A, 'Order'), encodeEntityEvent(event), { headers: h });
    await waitFor(async () => (await fleet.metric('fraiseql_observer_dedup_detected_total')) >= 1, 10_000);
    expect(receiver.received).toHaveLength(2);
  });
});
