import { Registry } from 'prom-client';
import { ActionDelivery, SlackClient, verifyWebhookSignature, WebhookClient, signWebhook, SIGNATURE_HEADER } from '../src';
import { startLocalReceiver, type LocalReceiver } from './local-receiver';

const SECRET = 'whsec-test-1';
const RETRY_DATE_AHEAD_MS = 120_000;

describe('WebhookClient against a local receiver', () => {
  let receiver: LocalReceiver;
  let registry: Registry;
  let delivery: ActionDelivery;
  let webhooks: WebhookClient;
  /** What the receiver concluded about each request: signature valid, idempotency key seen. */
  const verdicts: Array<{ path: string; signed: boolean; key: string | undefined }> = [];

  beforeAll(async () => {
    receiver = await startLocalReceiver((req, res) => {
      const signed = verifyWebhookSignature(req.headers['x-fraiseql-signature-256'] as string | undefined, req.body, SECRET, 300);
      const key = req.headers['idempotency-key'] as string | undefined;
      verdicts.push({ path: req.url, signed, key });
      if (!signed || !key) return void res.writeHead(401).end('bad signature or no key');
      switch (req.url) {
        case '/ok':
          return void res.writeHead(200).end('thanks');
        case '/fail':
          return void res.writeHead(500).end('database down');
        case '/throttle-seconds':
          return void res.writeHead(429, { 'retry-after': '7' }).end();
        case '/throttle-date':
          return void res.writeHead(429, { 'retry-after': new Date(Date.now() + RETRY_DATE_AHEAD_MS).toUTCString() }).end();
        case '/gone':
          return void res.writeHead(410).end('endpoint removed');
        case '/hang':
          return; // never answers; the client's timeout must end it
      }
      res.writeHead(404).end();
    });
    registry = new Registry();
    delivery = new ActionDelivery({ registry, ssrf: { allow: ['127.0.0.1/32'] } });
    webhooks = new WebhookClient(delivery);
  });

  afterAll(async () => {
    await delivery.close();
    await receiver.close();
  });

  const send = (path: string, timeoutMs?: number) =>
    webhooks.deliver({
      url: `${receiver.url}${path}`,
      body: JSON.stringify({ event_id: '0190f1c4-0000-7000-8000-000000000001', path }),
      secret: SECRET,
      idempotencyKey: `evt-1:rule-1:${path}`,
      timeoutMs,
    });

  it('signs the exact body and sends the idempotency key; a 2xx is a success with its status', async () => {
    const outcome = await send('/ok');
    expect(outcome).toMatchObject({ kind: 'success', status: 200 });
    const received = receiver.requests.at(-1)!;
    expect(received.method).toBe('POST');
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.headers['idempotency-key']).toBe('evt-1:rule-1:/ok');
    expect(JSON.parse(received.body.toString())).toEqual({ event_id: '0190f1c4-0000-7000-8000-000000000001', path: '/ok' });
    expect(verdicts.at(-1)).toEqual({ path: '/ok', signed: true, key: 'evt-1:rule-1:/ok' });
    // The receiver's check is not a rubber stamp: another secret or another body fails it.
    const header = received.headers['x-fraiseql-signature-256'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(header, received.body, 'another-secret', 300)).toBe(false);
    expect(verifyWebhookSignature(header, Buffer.concat([received.body, Buffer.from(' ')]), SECRET, 300)).toBe(false);
  });

  it('classifies 500 as retryable, 410 as permanent', async () => {
    expect(await send('/fail')).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_ACTION_RECEIVER_ERROR', status: 500 });
    const gone = await send('/gone');
    expect(gone).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_REJECTED', status: 410 });
    expect(gone.kind === 'permanent' && gone.reason).toContain('endpoint removed');
  });

  it("classifies 429 as retryable with the receiver's Retry-After, in seconds or as an HTTP-date", async () => {
    expect(await send('/throttle-seconds')).toMatchObject({
      kind: 'retryable',
      code: 'FRAISEQL_ACTION_THROTTLED',
      status: 429,
      retryAfterMs: 7000,
    });
    const dated = await send('/throttle-date');
    expect(dated).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_ACTION_THROTTLED', status: 429 });
    // An HTTP-date has whole seconds: the delay is the two minutes less at most the second lost and the time in transit.
    const retryAfterMs = dated.kind === 'retryable' ? dated.retryAfterMs! : -1;
    expect(retryAfterMs).toBeGreaterThan(RETRY_DATE_AHEAD_MS - 60_000);
    expect(retryAfterMs).toBeLessThanOrEqual(RETRY_DATE_AHEAD_MS);
  });

  it('classifies a receiver that answers nothing within the timeout as a retryable timeout', async () => {
    const outcome = await send('/hang', 300);
    expect(outcome).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_ACTION_TIMEOUT' });
    expect(verdicts.at(-1)).toMatchObject({ path: '/hang', signed: true });
  });

  it('reuses connections for sequential calls to the same host (one pool per host, keep-alive)', async () => {
    const before = receiver.requests.length;
    for (let i = 0; i < 10; i++) expect(await send('/ok')).toMatchObject({ kind: 'success' });
    const perSocket = new Map<number, number>();
    for (const r of receiver.requests.slice(before)) perSocket.set(r.connection, (perSocket.get(r.connection) ?? 0) + 1);
    // undici's pool may open a second socket while the first still settles its previous response; never one per call.
    expect(perSocket.size).toBeLessThanOrEqual(2);
    for (const carried of perSocket.values()) expect(carried).toBeGreaterThan(1);
  });

  it('refuses a rule header that would override the signature, the key or the framing, without sending', async () => {
    const before = receiver.requests.length;
    const outcome = await webhooks.deliver({
      url: `${receiver.url}/ok`,
      headers: { 'Idempotency-Key': 'mine' },
      body: '{}',
      idempotencyKey: 'k',
    });
    expect(outcome).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_INVALID' });
    expect(await webhooks.deliver({ url: 'file:///etc/passwd', idempotencyKey: 'k' })).toMatchObject({ code: 'FRAISEQL_ACTION_INVALID' });
    expect(receiver.requests.length).toBe(before);
  });

  it('counts every outcome in the action metrics', async () => {
    const executed = await registry.getSingleMetric('fraiseql_observer_action_executed_total')!.get();
    const count = (outcome: string) =>
      executed.values.find((v) => v.labels.action_type === 'webhook' && v.labels.outcome === outcome)?.value ?? 0;
    expect(count('success')).toBe(11);
    expect(count('retryable')).toBe(4); // 500, two 429s, the timeout
    expect(count('permanent')).toBe(3); // 410 and the two invalid requests
    const errors = await registry.getSingleMetric('fraiseql_observer_action_errors_total')!.get();
    expect(errors.values.find((v) => v.labels.error_type === 'FRAISEQL_ACTION_THROTTLED')?.value).toBe(2);
    const inFlight = await registry.getSingleMetric('fraiseql_observer_actions_in_flight')!.get();
    expect(inFlight.values.find((v) => v.labels.action_type === 'webhook')?.value).toBe(0);
    const text = await registry.metrics();
    expect(text).toMatch(/fraiseql_observer_action_duration_seconds_count\{action_type="webhook"\} 18/);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts the signature within the tolerance and refuses a replay older than it', () => {
    const now = 1_750_000_000;
    const header = signWebhook('{"a":1}', SECRET, now - 100);
    expect(verifyWebhookSignature(header, '{"a":1}', SECRET, 300, now)).toBe(true);
    expect(verifyWebhookSignature(header, '{"a":1}', SECRET, 60, now)).toBe(false);
    expect(verifyWebhookSignature(`${header},v1=${'0'.repeat(64)}`, '{"a":1}', SECRET, 300, now)).toBe(true);
    expect(verifyWebhookSignature('t=abc,v1=zz', '{"a":1}', SECRET, 300, now)).toBe(false);
    expect(verifyWebhookSignature(undefined, '{"a":1}', SECRET, 300, now)).toBe(false);
    expect(SIGNATURE_HEADER).toBe('X-FraiseQL-Signature-256');
  });
});

describe('SlackClient (stand-in for Slack incoming webhooks)', () => {
  let slack: LocalReceiver;
  let delivery: ActionDelivery;

  beforeAll(async () => {
    slack = await startLocalReceiver((req, res) => {
      const payload = JSON.parse(req.body.toString()) as { text?: string; blocks?: unknown[] };
      if (req.url === '/services/T0/B0/archived') return void res.writeHead(410).end('channel_is_archived');
      if (req.url === '/services/T0/B0/busy') return void res.writeHead(429, { 'retry-after': '30' }).end('rate_limited');
      if (!payload.text && !payload.blocks) return void res.writeHead(400).end('invalid_payload');
      res.writeHead(200, { 'content-type': 'text/html' }).end('ok');
    });
    delivery = new ActionDelivery({ registry: new Registry(), ssrf: { allow: ['127.0.0.1'] } });
  });

  afterAll(async () => {
    await delivery.close();
    await slack.close();
  });

  it('posts text and Block Kit as JSON; 200 "ok" is a success, 410 permanent, 429 retryable after Retry-After', async () => {
    const client = new SlackClient(delivery);
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Order 42* shipped' } }];
    const ok = await client.deliver({
      webhookUrl: `${slack.url}/services/T0/B0/ok`,
      text: 'Order 42 shipped',
      blocks,
      idempotencyKey: 'k1',
    });
    expect(ok).toMatchObject({ kind: 'success', status: 200 });
    const received = slack.requests.at(-1)!;
    expect(received.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(received.body.toString())).toEqual({ text: 'Order 42 shipped', blocks });

    const archived = await client.deliver({ webhookUrl: `${slack.url}/services/T0/B0/archived`, text: 'x', idempotencyKey: 'k2' });
    expect(archived).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_REJECTED', status: 410 });
    expect(archived.kind === 'permanent' && archived.reason).toContain('channel_is_archived');
    const busy = await client.deliver({ webhookUrl: `${slack.url}/services/T0/B0/busy`, text: 'x', idempotencyKey: 'k3' });
    expect(busy).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_ACTION_THROTTLED', retryAfterMs: 30_000 });
    expect(await client.deliver({ webhookUrl: `${slack.url}/x`, idempotencyKey: 'k4' })).toMatchObject({ code: 'FRAISEQL_ACTION_INVALID' });
  });
});
