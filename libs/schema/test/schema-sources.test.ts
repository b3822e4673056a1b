import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FraiseqlError } from '@fraiseql/errors';
import {
  compileSchema,
  defineSchema,
  entity,
  field,
  FileSchemaSource,
  listQuery,
  SchemaHolder,
  serializeCompiledSchema,
  type CompiledSchema,
  type SchemaSource,
} from '../src';

/** A valid compiled schema whose content (and so hash) depends on `version`. */
function schemaVersion(version: number): CompiledSchema {
  const User = entity('User', { view: 'v_user', description: `version ${version}` }, { id: field.id(), email: field.string() });
  return compileSchema(defineSchema({ types: [User], queries: [listQuery('users', User)] }));
}

function nextEvent(source: SchemaSource, event: 'change'): Promise<CompiledSchema>;
function nextEvent(source: SchemaSource, event: 'rejected'): Promise<FraiseqlError>;
function nextEvent(source: SchemaSource, event: 'change' | 'rejected'): Promise<unknown> {
  return new Promise((resolve) => {
    if (event === 'change') source.once('change', resolve);
    else source.once('rejected', resolve);
  });
}

describe('FileSchemaSource', () => {
  let dir: string;
  let source: FileSchemaSource | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-schema-'));
  });
  afterEach(async () => {
    await source?.close();
    source = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the file at start and reloads it when it is rewritten or atomically replaced', async () => {
    const path = join(dir, 'schema.compiled.json');
    writeFileSync(path, serializeCompiledSchema(schemaVersion(1)));
    source = new FileSchemaSource({ path, pollIntervalMs: 100 });
    await source.start();
    expect(source.current?.hash).toBe(schemaVersion(1).hash);

    let changed = nextEvent(source, 'change');
    writeFileSync(path, serializeCompiledSchema(schemaVersion(2)));
    expect((await changed).hash).toBe(schemaVersion(2).hash);
    expect(source.current?.hash).toBe(schemaVersion(2).hash);

    changed = nextEvent(source, 'change');
    writeFileSync(join(dir, 'next.json'), serializeCompiledSchema(schemaVersion(3)));
    renameSync(join(dir, 'next.json'), path);
    expect((await changed).types[0].description).toBe('version 3');
  });

  it('ignores an invalid new version and keeps the current one', async () => {
    const path = join(dir, 'schema.compiled.json');
    writeFileSync(path, serializeCompiledSchema(schemaVersion(1)));
    source = new FileSchemaSource({ path, pollIntervalMs: 100 });
    await source.start();
    const changes: CompiledSchema[] = [];
    source.on('change', (s) => changes.push(s));

    const rejected = nextEvent(source, 'rejected');
    const tampered = { ...schemaVersion(2), hash: schemaVersion(1).hash };
    writeFileSync(path, JSON.stringify(tampered));
    expect((await rejected).code).toBe('FRAISEQL_SCHEMA_INVALID');
    expect(source.current?.hash).toBe(schemaVersion(1).hash);
    expect(changes).toEqual([]);

    const changed = nextEvent(source, 'change');
    writeFileSync(path, serializeCompiledSchema(schemaVersion(4)));
    expect((await changed).hash).toBe(schemaVersion(4).hash);
  });

  it('fails to start on a missing or invalid file', async () => {
    await expect(new FileSchemaSource({ path: join(dir, 'missing.json') }).start()).rejects.toMatchObject({
      code: 'FRAISEQL_SCHEMA_INVALID',
    });
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{"formatVersion":1}');
    source = new FileSchemaSource({ path });
    await expect(source.start()).rejects.toMatchObject({ code: 'FRAISEQL_SCHEMA_INVALID' });
  });
});

describe('SchemaHolder', () => {
  it('lets a request that started before a swap finish on its version', async () => {
    const holder = new SchemaHolder<CompiledSchema>();
    expect(() => holder.current).toThrow(expect.objectContaining({ code: 'FRAISEQL_SCHEMA_UNAVAILABLE' }));
    holder.swap(schemaVersion(1));

    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inFlight = (async () => {
      const schema = holder.current; // read once, at the start of the request
      await gate;
      return schema.hash;
    })();
    const previous = holder.swap(schemaVersion(2));
    release();

    expect(await inFlight).toBe(schemaVersion(1).hash);
    expect(previous?.hash).toBe(schemaVersion(1).hash);
    expect(holder.current.hash).toBe(schemaVersion(2).hash);
    expect(holder.generation).toBe(2);
  });
});
