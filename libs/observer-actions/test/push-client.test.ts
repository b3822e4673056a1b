import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { Registry } from 'prom-client';
import { generateVAPIDKeys } from 'web-push';
import { ActionDelivery, PushClient } from '../src';
import { startLocalReceiver, type LocalReceiver, type ReceivedRequest } from './local-receiver';

const VAPID_SUBJECT = 'mailto:ops@fraiseql.test';

/** What a push service checks (RFC 8292 VAPID, RFC 8030), done here with node:crypto only. */
function checkVapid(req: ReceivedRequest, publicKey: string, audience: string): string | undefined {
  const match = /^vapid t=([^,]+), k=(.+)$/.exec(String(req.headers.authorization ?? ''));
  if (!match) return 'no vapid authorization';
  const [, jwt, k] = match as unknown as [string, string, string];
  if (k !== publicKey) return 'k is not the application server key';
  const [header, claims, signature] = jwt.split('.') as [string, string, string];
  const raw = Buffer.from(k, 'base64url');
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  });
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) return 'JWT signature does not verify';
  const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string };
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud: string; exp: number; sub: string };
  const now = Date.now() / 1000;
  if (head.alg !== 'ES256') return 'alg is not ES256';
  if (body.aud !== audience) return `aud ${body.aud} is not ${audience}`;
  if (!(body.exp > now && body.exp <= now + 24 * 3600)) return 'exp not within 24 h ahead';
  if (body.sub !== VAPID_SUBJECT) return 'sub is not the contact';
  return undefined;
}

/** RFC 8291 decryption of an aes128gcm body (RFC 8188, one record) with the subscription's private key and auth secret. */
function decryptAes128gcm(body: Buffer, userAgent: ReturnType<typeof createECDH>, authSecret: Buffer): string {
  const salt = body.subarray(0, 16);
  const idLength = body[20]!;
  const serverPublic = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const shared = userAgent.computeSecret(serverPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), userAgent.getPublicKey(), serverPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('last record lacks the 0x02 delimiter');
  return padded.subarray(0, end).toString('utf8');
}

describe('PushClient against a local push service', () => {
  let service: LocalReceiver;
  let delivery: ActionDelivery;
  const vapid = { subject: VAPID_SUBJECT, ...generateVAPIDKeys() };
  const userAgent = createECDH('prime256v1');
  userAgent.generateKeys();
  const authSecret = randomBytes(16);
  const checks: Array<{ vapid: string | undefined; encoding: unknown; ttl: unknown; urgency: unknown; plaintext: string }> = [];

  beforeAll(async () => {
    service = await startLocalReceiver((req, res) => {
      let plaintext = '';
      try {
        plaintext = decryptAes128gcm(req.body, userAgent, authSecret);
      } catch (error) {
        plaintext = `undecryptable: ${String(error)}`;
      }
      const problem = checkVapid(req, vapid.publicKey, service.url);
      checks.push({
        vapid: problem,
        encoding: req.headers['content-encoding'],
        ttl: req.headers.ttl,
        urgency: req.headers.urgency,
        plaintext,
      });
      if (problem) return void res.writeHead(403).end(problem);
      if (req.url === '/push/gone') return void res.writeHead(410).end();
      if (req.url === '/push/missing') return void res.writeHead(404).end();
      res.writeHead(201, { location: '/message/1' }).end();
    });
    delivery = new ActionDelivery({ registry: new Registry(), ssrf: { allow: ['127.0.0.1/32'] } });
  });

  afterAll(async () => {
    await delivery.close();
    await service.close();
  });

  const subscription = (path: string) => ({
    endpoint: `${service.url}${path}`,
    keys: { p256dh: userAgent.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') },
  });

  it('sends an aes128gcm payload the subscription can decrypt, a VAPID JWT the service verifies, and the TTL', async () => {
    const client = new PushClient(delivery, { vapid });
    const payload = JSON.stringify({ title: 'Order 42 shipped', url: '/orders/42' });
    const outcome = await client.send({ subscription: subscription('/push/sub-1'), payload, ttlSeconds: 3600, urgency: 'high' });
    expect(outcome).toMatchObject({ kind: 'success', status: 201 });
    expect(checks.at(-1)).toEqual({ vapid: undefined, encoding: 'aes128gcm', ttl: '3600', urgency: 'high', plaintext: payload });
  });

  it('classifies 410 and 404 as a permanent "subscription gone"', async () => {
    const client = new PushClient(delivery, { vapid });
    expect(await client.send({ subscription: subscription('/push/gone'), payload: 'x' })).toMatchObject({
      kind: 'permanent',
      code: 'FRAISEQL_ACTION_GONE',
      status: 410,
    });
    expect(await client.send({ subscription: subscription('/push/missing'), payload: 'x' })).toMatchObject({
      code: 'FRAISEQL_ACTION_GONE',
      status: 404,
    });
  });

  it('is refused by the service when signed with another VAPID key (the check is real)', async () => {
    const other = { subject: VAPID_SUBJECT, publicKey: vapid.publicKey, privateKey: generateVAPIDKeys().privateKey };
    const outcome = await new PushClient(delivery, { vapid: other }).send({ subscription: subscription('/push/sub-1'), payload: 'x' });
    expect(outcome).toMatchObject({ kind: 'permanent', status: 403 });
    expect(checks.at(-1)!.vapid).toBe('JWT signature does not verify');
  });

  it('refuses a malformed subscription without calling anyone', async () => {
    const before = service.requests.length;
    const outcome = await new PushClient(delivery, { vapid }).send({
      subscription: { endpoint: `${service.url}/push/x`, keys: { p256dh: 'short', auth: 'x' } },
      payload: 'x',
    });
    expect(outcome).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_INVALID' });
    expect(service.requests.length).toBe(before);
  });
});
