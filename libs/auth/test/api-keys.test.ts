import { connect, type NatsConnection } from 'nats';
import { openApiKeysBucket } from '@fraiseql/nats-contract';
import { startNatsServer, waitFor, type TestNatsServer } from '@fraiseql/testkit';
import { ApiKeyDirectory, createAuthResolver, encodeApiKeyRecord, issueApiKey, type ApiKeyRecord } from '../src';

const ORG_A = '0a000000-0000-4000-8000-00000000000a';
const ORG_B = '0b000000-0000-4000-8000-00000000000b';

describe('API keys (real NATS KV bucket FRAISEQL_API_KEYS)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc.close();
    await nats.dispose();
  });

  async function store(overrides: Partial<ApiKeyRecord> = {}): Promise<{ token: string; record: ApiKeyRecord }> {
    const issued = issueApiKey();
    const record: ApiKeyRecord = {
      id: issued.id,
      orgId: ORG_A,
      name: 'ci pipeline',
      roles: ['exporter'],
      hash: issued.hash,
      createdAt: new Date().toISOString(),
      createdBy: 'admin-1',
      expiresAt: null,
      revokedAt: null,
      version: 1,
      ...overrides,
    };
    await (await openApiKeysBucket(nc)).put(record.id, encodeApiKeyRecord(record));
    return { token: issued.token, record };
  }

  it('authenticates a stored key as apikey:<id> with its org and roles, from either header', async () => {
    const { token, record } = await store();
    const directory = await ApiKeyDirectory.open(nc);
    const resolve = createAuthResolver({ devAuth: false, apiKeys: directory });
    const expected = { subject: `apikey:${record.id}`, orgId: ORG_A, roles: ['exporter'] };
    await expect(resolve({ authorization: `Bearer ${token}` })).resolves.toEqual(expected);
    await expect(resolve({ 'x-api-key': token })).resolves.toEqual(expected);
    await directory.close();
  });

  it('refuses a wrong secret, an unknown id, an expired key and another org', async () => {
    const { token } = await store();
    const { token: expired } = await store({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    const directory = await ApiKeyDirectory.open(nc);
    const resolve = createAuthResolver({ devAuth: false, apiKeys: directory });
    const wrongSecret = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expect(resolve({ 'x-api-key': wrongSecret })).rejects.toMatchObject({
      code: 'FRAISEQL_UNAUTHENTICATED',
      message: 'The API key is not valid',
    });
    await expect(resolve({ 'x-api-key': issueApiKey().token })).rejects.toMatchObject({
      code: 'FRAISEQL_UNAUTHENTICATED',
      message: 'The API key is not valid',
    });
    await expect(resolve({ 'x-api-key': expired })).rejects.toMatchObject({
      code: 'FRAISEQL_UNAUTHENTICATED',
      message: 'The API key has expired',
    });
    await expect(resolve({ 'x-api-key': token, 'x-fraiseql-org': ORG_B })).rejects.toMatchObject({ code: 'FRAISEQL_FORBIDDEN' });
    await directory.close();
  });

  it('stops accepting a key as soon as its revocation reaches the bucket, with no restart', async () => {
    const { token, record } = await store();
    const directory = await ApiKeyDirectory.open(nc);
    const resolve = createAuthResolver({ devAuth: false, apiKeys: directory });
    await expect(resolve({ 'x-api-key': token })).resolves.toMatchObject({ orgId: ORG_A });
    const revoked = { ...record, revokedAt: new Date().toISOString(), version: 2 };
    await (await openApiKeysBucket(nc)).put(record.id, encodeApiKeyRecord(revoked));
    await waitFor(async () => directory.lookup(record.id)?.revokedAt !== null);
    await expect(resolve({ 'x-api-key': token })).rejects.toMatchObject({
      code: 'FRAISEQL_UNAUTHENTICATED',
      message: 'The API key has been revoked',
    });
    // Deleted from the bucket: unknown.
    await (await openApiKeysBucket(nc)).delete(record.id);
    await waitFor(async () => directory.lookup(record.id) === undefined);
    await expect(resolve({ 'x-api-key': token })).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
    await directory.close();
  });

  it('ignores a malformed record in the bucket (it authenticates nobody) and reports it', async () => {
    const malformed: string[] = [];
    await (await openApiKeysBucket(nc)).put('0123456789abcdef', new TextEncoder().encode('{"id":"0123456789abcdef","roles":"admin"}'));
    const directory = await ApiKeyDirectory.open(nc, { onMalformed: (key) => malformed.push(key) });
    expect(malformed).toContain('0123456789abcdef');
    expect(directory.lookup('0123456789abcdef')).toBeUndefined();
    await directory.close();
  });

  it('never stores or returns the secret: the record holds only its SHA-256', async () => {
    const { token, record } = await store();
    const secret = token.split('_').slice(2).join('_');
    const raw = new TextDecoder().decode((await (await openApiKeysBucket(nc)).get(record.id))!.value);
    expect(raw).not.toContain(secret);
    expect(record.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
