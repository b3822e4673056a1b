import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeTrustedDocument, documentIdOf } from '@fraiseql/graphql-runtime';
import { KV_BUCKETS, openDocumentsBucket } from '@fraiseql/nats-contract';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';
import { runCli } from '../src';

const SHOP_COMPILED = resolve(__dirname, '../../../examples/shop/schema.compiled.json');

const ORDERS = 'query Orders { orders(limit: 2) { id status } }\n';
const USERS = 'query Users { users { email } }\nquery UserNames { users { name } }\n';
const BROKEN = 'query Broken { orders { noSuchField } }\n';

describe('fraiseql documents push|list|remove', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let dir: string;
  let lines: string[];
  const output = { info: (m: string) => lines.push(m), error: (m: string) => lines.push(`ERR ${m}`) };
  const cli = async (...args: string[]): Promise<{ code: number; text: string }> => {
    lines = [];
    const code = await runCli([...args, '--nats-url', nats.url], output);
    return { code, text: lines.join('\n') };
  };
  const storedIds = async (): Promise<string[]> => {
    const kv = await openDocumentsBucket(nc);
    const ids: string[] = [];
    for await (const key of await kv.keys()) ids.push(key);
    return ids.sort();
  };
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.dispose();
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-docs-'));
    await nc
      .jetstream()
      .views.kv(KV_BUCKETS.documents)
      .then((kv) => kv.destroy())
      .catch(() => undefined);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('pushes nothing when one document of a directory does not validate, and names the file and the problem', async () => {
    file('ops/orders.graphql', ORDERS);
    file('ops/users.gql', USERS);
    const broken = file('ops/nested/broken.graphql', BROKEN);
    const result = await cli('documents', 'push', join(dir, 'ops'), '--schema', SHOP_COMPILED);
    expect(result.code).toBe(1);
    expect(result.text).toContain(`ERR ${broken}: Cannot query field "noSuchField" on type "Order".`);
    expect(result.text).toMatch(/error GRAPHQL_VALIDATION_FAILED: 1 document\(s\) refused .*nothing pushed/);
    expect(await storedIds()).toEqual([]);
  });

  it('pushes every document of a directory under the sha256 of its text and prints an id per operation', async () => {
    const orders = file('ops/orders.graphql', ORDERS);
    const users = file('ops/users.gql', USERS);
    const result = await cli('documents', 'push', join(dir, 'ops'), '--schema', SHOP_COMPILED);
    expect(result.code).toBe(0);
    const ordersId = documentIdOf(ORDERS);
    const usersId = documentIdOf(USERS);
    expect(result.text.split('\n').filter((l) => !l.startsWith('ERR'))).toEqual([
      `sha256:${ordersId}  query Orders  ${orders}`,
      `sha256:${usersId}  query Users  ${users}`,
      `sha256:${usersId}  query UserNames  ${users}`,
    ]);
    expect(await storedIds()).toEqual([ordersId, usersId].sort());
    const entry = await (await openDocumentsBucket(nc)).get(usersId);
    expect(decodeTrustedDocument(usersId, entry!.value)).toMatchObject({
      document: USERS,
      operations: [
        { name: 'Users', type: 'query' },
        { name: 'UserNames', type: 'query' },
      ],
      source: users,
    });

    const listed = await cli('documents', 'list');
    expect(listed.text).toContain(`sha256:${ordersId}  query Orders  ${orders}`);
    expect(listed.text).toContain('ERR 2 trusted document(s)');

    expect((await cli('documents', 'remove', `sha256:${ordersId}`)).code).toBe(0);
    expect(await storedIds()).toEqual([usersId]);
    const again = await cli('documents', 'remove', `sha256:${ordersId}`);
    expect(again.code).toBe(1);
    expect(again.text).toContain('FRAISEQL_DOCUMENT_NOT_FOUND');
  });

  it('pushes a persisted-documents manifest, and refuses all of it when a key is not the sha256 of its document', async () => {
    const good = file('good.json', JSON.stringify({ [documentIdOf(ORDERS)]: ORDERS, [`sha256:${documentIdOf(USERS)}`]: USERS }));
    expect((await cli('documents', 'push', good, '--schema', SHOP_COMPILED)).code).toBe(0);
    expect(await storedIds()).toEqual([documentIdOf(ORDERS), documentIdOf(USERS)].sort());

    const kv = await openDocumentsBucket(nc);
    await kv.destroy();
    const other = 'query Products { products { sku } }';
    const lying = file('lying.json', JSON.stringify({ [documentIdOf(other)]: other, [documentIdOf(ORDERS)]: USERS }));
    const refused = await cli('documents', 'push', lying, '--schema', SHOP_COMPILED);
    expect(refused.code).toBe(1);
    expect(refused.text).toContain(`lying.json#${documentIdOf(ORDERS)}: the manifest key is not the sha256 of the document`);
    // Refused before anything was written: the bucket was not even created again.
    await expect((await nc.jetstreamManager()).streams.info(`KV_${KV_BUCKETS.documents}`)).rejects.toThrow(/not found/);
    const listed = await cli('documents', 'list');
    expect(listed).toEqual({ code: 0, text: 'ERR 0 trusted document(s)' });
  });
});
