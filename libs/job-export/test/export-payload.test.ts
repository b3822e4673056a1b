import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';
import { createExportStore, EXPORT_PAYLOAD_SCHEMA, LocalDirectoryStore, S3ExportStore, validateExportPayload } from '../src';

function refusal(value: unknown): { path: unknown; message: string } {
  try {
    validateExportPayload(value);
  } catch (error) {
    expect(error).toBeInstanceOf(FraiseqlError);
    expect((error as FraiseqlError).code).toBe('FRAISEQL_JOB_PAYLOAD_INVALID');
    return { path: (error as FraiseqlError).details?.path, message: (error as Error).message };
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('validateExportPayload', () => {
  const view = (source: object) => ({ format: 'csv', source: { kind: 'view', view: 'va_order', ...source } });

  it('accepts a view export with every option and an events export', () => {
    const full = view({
      columns: ['id', 'total'],
      where: { total: { gte: 10 }, status: { in: ['paid', 'shipped'] }, note: { isNull: true } },
      orderBy: [{ column: 'id', direction: 'desc' }],
      limit: 10,
    });
    expect(validateExportPayload(full)).toEqual(full);
    const events = {
      format: 'parquet',
      source: { kind: 'events', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00.5+02:00', eventTypes: ['INSERT'] },
    };
    expect(validateExportPayload(events)).toEqual(events);
    const graphql = {
      format: 'arrow',
      source: { kind: 'graphql', query: 'query Big($n: Int) { orders(limit: $n) { id } }', operationName: 'Big', variables: { n: 5 } },
    };
    expect(validateExportPayload(graphql)).toEqual(graphql);
    expect(EXPORT_PAYLOAD_SCHEMA).toHaveProperty('additionalProperties', false);
  });

  it.each([
    [view({ view: 'tb_order' }), 'payload.source.view', 'payload.source.view: must match ^(va|v)_[a-z0-9_]+$'],
    [view({ view: 'va_order; drop table x' }), 'payload.source.view', 'payload.source.view: must match ^(va|v)_[a-z0-9_]+$'],
    [{ ...view({}), format: 'xlsx' }, 'payload.format', 'payload.format: must be one of "parquet", "arrow", "csv"'],
    [view({ extra: 1 }), 'payload.source.extra', 'payload.source.extra: is not allowed here'],
    [{ format: 'csv', source: { kind: 'table' } }, 'payload.source.kind', 'payload.source.kind: must be "view", "events" or "graphql"'],
    [{ format: 'csv' }, 'payload.source', 'payload.source: is required'],
    [view({ columns: ['Total'] }), 'payload.source.columns.0', 'payload.source.columns.0: must match ^[a-z_][a-z0-9_]*$'],
    [view({ where: { total: { eq: 1, gt: 2 } } }), 'payload.source.where.total', /exactly one operator/],
    [view({ where: { total: { like: '%a' } } }), 'payload.source.where.total', /exactly one operator/],
    [view({ where: { 'x"y': { eq: 1 } } }), 'payload.source.where.x"y', /is not a column name/],
    [view({ orderBy: [{ column: 'id', direction: 'up' }] }), 'payload.source.orderBy.0.direction', /must be one of "asc", "desc"/],
    [view({ limit: 0 }), 'payload.source.limit', /must be >= 1/],
    [{ format: 'csv', source: { kind: 'events', from: '2026-01-01T00:00:00Z' } }, 'payload.source.to', 'payload.source.to: is required'],
    [{ format: 'csv', source: { kind: 'events', from: 'yesterday', to: '2026-01-01T00:00:00Z' } }, 'payload.source.from', /must match/],
    [
      { format: 'csv', source: { kind: 'events', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' } },
      'payload.source.to',
      'payload.source.to: must be after payload.source.from',
    ],
    [{ format: 'csv', source: { kind: 'graphql' } }, 'payload.source.query', 'payload.source.query: is required'],
    [{ format: 'csv', source: { kind: 'graphql', query: '' } }, 'payload.source.query', /must NOT have fewer than 1 characters/],
    [{ format: 'csv', source: { kind: 'graphql', query: 'x'.repeat(65_537) } }, 'payload.source.query', /must NOT have more than 65536/],
    [{ format: 'csv', source: { kind: 'graphql', query: '{ a }', operationName: 'a b' } }, 'payload.source.operationName', /must match/],
    [{ format: 'csv', source: { kind: 'graphql', query: '{ a }', variables: [1] } }, 'payload.source.variables', /must be object/],
  ])('refuses %j naming %s', (payload, path, message) => {
    const refused = refusal(payload);
    expect(refused.path).toBe(path);
    if (typeof message === 'string') expect(refused.message).toBe(message);
    else expect(refused.message).toMatch(message);
  });
});

describe('LocalDirectoryStore and createExportStore', () => {
  let directory: string;
  beforeEach(() => (directory = mkdtempSync(join(tmpdir(), 'fraiseql-export-store-'))));
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('never writes outside its directory', async () => {
    const store = new LocalDirectoryStore(join(directory, 'store'));
    for (const key of ['../escape.csv', '/etc/passwd', 'a/../../b.csv', 'a//b.csv', '.hidden', '']) {
      await expect(store.put(key, (async function* () {})(), 'text/csv')).rejects.toMatchObject({ code: 'FRAISEQL_EXPORT_STORE_FAILED' });
    }
    expect(readdirSync(directory)).toEqual([]);
  });

  it('shows a file only once complete: a failing body leaves nothing, not even a temporary file', async () => {
    const store = new LocalDirectoryStore(directory);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('half');
      throw new Error('source broke');
    }
    await expect(store.put('org/x.csv', failing(), 'text/csv')).rejects.toThrow('source broke');
    expect(readdirSync(join(directory, 'org'))).toEqual([]);
    writeFileSync(join(directory, 'org', 'keep.csv'), 'a');
    await store.delete('org/missing.csv');
    expect(await store.stat('org/keep.csv')).toEqual({ sizeBytes: 1 });
  });

  it('builds the store the configuration names, and names a wrong key', () => {
    expect(createExportStore({ FRAISEQL_EXPORT_STORE: `local:${directory}` })).toBeInstanceOf(LocalDirectoryStore);
    const s3 = createExportStore({ FRAISEQL_EXPORT_STORE: 's3://my-bucket/exports', FRAISEQL_EXPORT_S3_ENDPOINT: 'http://127.0.0.1:9000' });
    expect(s3).toBeInstanceOf(S3ExportStore);
    (s3 as S3ExportStore).destroy();
    expect(() => createExportStore({ FRAISEQL_EXPORT_STORE: 'ftp://x' })).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_CONFIG_INVALID', details: { key: 'FRAISEQL_EXPORT_STORE' } }),
    );
    expect(() => createExportStore({ FRAISEQL_EXPORT_STORE: 's3://my-bucket', FRAISEQL_EXPORT_S3_ACCESS_KEY_ID: 'k' })).toThrow(
      expect.objectContaining({ details: { key: 'FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY' } }),
    );
    expect(() => createExportStore({ FRAISEQL_EXPORT_STORE: 's3://my-bucket', FRAISEQL_EXPORT_S3_FORCE_PATH_STYLE: 'yes' })).toThrow(
      expect.objectContaining({ details: { key: 'FRAISEQL_EXPORT_S3_FORCE_PATH_STYLE' } }),
    );
  });
});
