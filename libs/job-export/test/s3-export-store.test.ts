import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import S3rver from 's3rver';
import { freePort } from '@fraiseql/testkit';
import { createExportStore, S3ExportStore } from '../src';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function* oneChunk(): AsyncGenerator<Uint8Array> {
  yield Buffer.from('a');
}

describe('S3ExportStore against a real S3-protocol server (s3rver stand-in for S3)', () => {
  let directory: string;
  let server: S3rver;
  let endpoint: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'fraiseql-s3rver-'));
    const port = await freePort();
    server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: 'exports', configs: [] }] });
    await server.run();
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const store = (): S3ExportStore =>
    createExportStore({
      FRAISEQL_EXPORT_STORE: 's3://exports/fraiseql/exports',
      FRAISEQL_EXPORT_S3_ENDPOINT: endpoint,
      FRAISEQL_EXPORT_S3_ACCESS_KEY_ID: 'S3RVER',
      FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY: 'S3RVER',
      FRAISEQL_EXPORT_S3_PART_SIZE_MB: '5',
    }) as S3ExportStore;

  it('puts a multipart object streamed from an async iterable, then stats, opens and deletes it', async () => {
    const s3 = store();
    // 12 MiB in 1 MiB chunks: three parts of 5 MiB, streamed.
    const chunk = Buffer.alloc(1024 * 1024);
    const expected = createHash('sha256');
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 12; i++) {
        chunk.fill(i);
        expected.update(chunk);
        yield Buffer.from(chunk);
      }
    }
    const put = await s3.put('org-a/job-1.csv', body(), 'text/csv; charset=utf-8');
    expect(put).toEqual({ location: 's3://exports/fraiseql/exports/org-a/job-1.csv', sizeBytes: 12 * 1024 * 1024 });
    expect(await s3.stat('org-a/job-1.csv')).toEqual({ sizeBytes: 12 * 1024 * 1024 });
    const read = await readAll(await s3.open('org-a/job-1.csv'));
    expect(createHash('sha256').update(read).digest('hex')).toBe(expected.digest('hex'));
    await s3.delete('org-a/job-1.csv');
    expect(await s3.stat('org-a/job-1.csv')).toBeNull();
    s3.destroy();
  });

  it('leaves no object when the body fails mid-upload, and rethrows the body error', async () => {
    const s3 = store();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(6 * 1024 * 1024, 1);
      throw new Error('source broke');
    }
    await expect(s3.put('org-a/job-2.parquet', failing(), 'application/vnd.apache.parquet')).rejects.toThrow('source broke');
    expect(await s3.stat('org-a/job-2.parquet')).toBeNull();
    s3.destroy();
  });

  it('refuses keys that would leave the prefix', async () => {
    const s3 = store();
    await expect(s3.put('../other/x.csv', oneChunk(), 'text/csv')).rejects.toMatchObject({ code: 'FRAISEQL_EXPORT_STORE_FAILED' });
    await expect(s3.stat('/abs.csv')).rejects.toMatchObject({ code: 'FRAISEQL_EXPORT_STORE_FAILED' });
    s3.destroy();
  });
});
