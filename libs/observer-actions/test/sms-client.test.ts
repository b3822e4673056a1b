import { Registry } from 'prom-client';
import { ActionDelivery, SmsClient } from '../src';
import { startLocalReceiver, type LocalReceiver } from './local-receiver';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'test-auth-token';

describe("SmsClient against a local Messages API receiver (stand-in for Twilio's API)", () => {
  let twilio: LocalReceiver;
  let delivery: ActionDelivery;

  beforeAll(async () => {
    twilio = await startLocalReceiver((req, res) => {
      const json = (status: number, body: object): void =>
        void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const expectedAuth = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;
      if (req.headers.authorization !== expectedAuth) return json(401, { code: 20003, message: 'Authenticate', status: 401 });
      if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${SID}/Messages.json`)
        return json(404, { code: 20404, message: 'Not found' });
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return json(400, { code: 0, message: 'bad content type' });
      const form = new URLSearchParams(req.body.toString());
      if (form.get('To') === '+15550000000')
        return json(400, { code: 21211, message: "The 'To' number +15550000000 is not a valid phone number.", status: 400 });
      if (form.get('To') === '+15550000429') return void res.writeHead(429, { 'retry-after': '2' }).end();
      json(201, {
        sid: 'SM00000000000000000000000000000001',
        status: 'queued',
        to: form.get('To'),
        from: form.get('From'),
        body: form.get('Body'),
      });
    });
    delivery = new ActionDelivery({ registry: new Registry(), ssrf: { allow: ['127.0.0.1/32'] } });
  });

  afterAll(async () => {
    await delivery.close();
    await twilio.close();
  });

  const client = (token = TOKEN) =>
    new SmsClient(delivery, { accountSid: SID, authToken: token, from: '+15557654321', baseUrl: twilio.url });

  it('posts To, From and Body form-encoded with basic auth to the account Messages path; 201 is a success with the message sid', async () => {
    const outcome = await client().send({ to: '+15551234567', body: 'Order 42 shipped & on its way' });
    expect(outcome).toMatchObject({
      kind: 'success',
      status: 201,
      detail: { sid: 'SM00000000000000000000000000000001', status: 'queued' },
    });
    const received = twilio.requests.at(-1)!;
    expect(received.url).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(Object.fromEntries(new URLSearchParams(received.body.toString()))).toEqual({
      To: '+15551234567',
      From: '+15557654321',
      Body: 'Order 42 shipped & on its way',
    });
  });

  it("classifies the provider's 4xx as permanent with its error code, 401 for wrong credentials, and 429 as retryable", async () => {
    const invalid = await client().send({ to: '+15550000000', body: 'x' });
    expect(invalid).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_REJECTED', status: 400 });
    expect(invalid.kind === 'permanent' && invalid.reason).toContain('21211');
    expect(await client('wrong-token').send({ to: '+15551234567', body: 'x' })).toMatchObject({ kind: 'permanent', status: 401 });
    expect(await client().send({ to: '+15550000429', body: 'x' })).toMatchObject({
      kind: 'retryable',
      code: 'FRAISEQL_ACTION_THROTTLED',
      retryAfterMs: 2000,
    });
  });

  it('refuses a recipient that is not E.164 without calling the provider', async () => {
    const before = twilio.requests.length;
    expect(await client().send({ to: '555-1234', body: 'x' })).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_INVALID' });
    expect(twilio.requests.length).toBe(before);
  });
});
