import { once } from 'node:events';
import { compileSchema, defineSchema, entity, field, listQuery, type CompiledSchema } from '@fraiseql/schema';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';
import { KvSchemaSource, openSchemaKv, publishCompiledSchema } from '../src';

/** A valid compiled schema whose content (and so hash) depends on `version`. */
function schemaVersion(version: number): CompiledSchema {
  const User = entity('User', { view: 'v_user', description: `version ${version}` }, { id: field.id(), email: field.string() });
  return compileSchema(defineSchema({ types: [User], queries: [listQuery('users', User)] }));
}

describe('KvSchemaSource', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let source: KvSchemaSource | undefined;
  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
  });
  afterEach(async () => {
    await source?.close();
    source = undefined;
  });
  afterAll(async () => {
    await nc.close();
    await nats.dispose();
  });

  it('starts empty when nothing was pushed yet, then follows every pushed version', async () => {
    const bucket = 'SCHEMA_FOLLOW';
    source = new KvSchemaSource({ nc, bucket });
    await source.start();
    expect(source.current).toBeUndefined();

    let changed = once(source, 'change');
    await publishCompiledSchema(nc, schemaVersion(1), { bucket });
    expect((await changed)[0].hash).toBe(schemaVersion(1).hash);

    changed = once(source, 'change');
    await publishCompiledSchema(nc, schemaVersion(2), { bucket });
    expect((await changed)[0].hash).toBe(schemaVersion(2).hash);
    expect(source.current?.hash).toBe(schemaVersion(2).hash);
  });

  it('has the pushed version as soon as start() resolves', async () => {
    const bucket = 'SCHEMA_PRESENT';
    await publishCompiledSchema(nc, schemaVersion(5), { bucket });
    source = new KvSchemaSource({ nc, bucket });
    await source.start();
    expect(source.current?.hash).toBe(schemaVersion(5).hash);
  });

  it('ignores an invalid version put into KV and keeps the current one', async () => {
    const bucket = 'SCHEMA_INVALID';
    await publishCompiledSchema(nc, schemaVersion(1), { bucket });
    source = new KvSchemaSource({ nc, bucket });
    await source.start();

    const rejected = once(source, 'rejected');
    const kv = await openSchemaKv(nc, { bucket });
    await kv.put('active', JSON.stringify({ ...schemaVersion(2), formatVersion: 99 }));
    expect((await rejected)[0].message).toContain('format version 99');
    expect(source.current?.hash).toBe(schemaVersion(1).hash);

    const changed = once(source, 'change');
    await publishCompiledSchema(nc, schemaVersion(3), { bucket });
    expect((await changed)[0].hash).toBe(schemaVersion(3).hash);
  });
});
