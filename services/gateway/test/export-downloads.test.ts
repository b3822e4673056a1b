import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { signExportDownloadToken } from '@fraiseql/jobs';
import { createLogger } from '@fraiseql/service-kit';
import { captureLines } from '@fraiseql/testkit';
import { exportDownloads, type ExportFiles } from '../src/export-downloads';

// GET /v1/exports/<token> (docs/jobs.md): the file a signed token names, from a real directory on disk; every refusal a
// problem+json with its code. (The job-runner's LocalDirectoryStore is the production reader; this test reads the
// directory with node:fs directly.)

const KEY = 'the-export-signing-key-of-32-bytes!!';
const ORG = '0a000000-0000-4000-8000-0000000000a1';

describe('export downloads on the gateway (fastify.inject, files on disk)', () => {
  let dir: string;
  let app: FastifyInstance;
  const bytes = Buffer.from('id,total\n1,12.50\n2,7.00\n');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fraiseql-exports-'));
    await writeFile(join(dir, 'report-1.csv'), bytes);
    const files: ExportFiles = {
      stat: async (key) =>
        stat(join(dir, key)).then(
          (s) => ({ sizeBytes: s.size }),
          () => null,
        ),
      open: async (key) => createReadStream(join(dir, key)),
    };
    app = Fastify();
    await app.register(exportDownloads, {
      signingKey: KEY,
      files,
      logger: createLogger({ service: 'gateway', level: 'warn', destination: captureLines().destination }),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const token = (overrides: Record<string, unknown> = {}, key = KEY): string =>
    signExportDownloadToken(
      {
        jobId: 'report-1',
        orgId: ORG,
        key: 'report-1.csv',
        fileName: 'report-1.csv',
        exp: Math.floor(Date.now() / 1000) + 60,
        ...overrides,
      },
      key,
    );

  it('serves the named file with its type, length and an attachment name, and HEAD without the body', async () => {
    const response = await app.inject({ method: 'GET', url: `/v1/exports/${token()}` });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload).toEqual(bytes);
    expect(response.headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(bytes.length),
      'content-disposition': 'attachment; filename="report-1.csv"',
      'cache-control': 'private, no-store',
    });
    const head = await app.inject({ method: 'HEAD', url: `/v1/exports/${token()}` });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(bytes.length));
    expect(head.rawPayload.length).toBe(0);
  });

  it('refuses a forged, altered or expired token, and says when the file is gone, as problem+json', async () => {
    const refused = async (url: string) => {
      const response = await app.inject({ method: 'GET', url });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      return { status: response.statusCode, code: response.json().code as string };
    };
    expect(await refused(`/v1/exports/${token({}, 'another-deployment-key-of-32-bytes!')}`)).toEqual({
      status: 403,
      code: 'FRAISEQL_DOWNLOAD_TOKEN_INVALID',
    });
    const [, signature] = token().split('.');
    const otherFile = Buffer.from(
      JSON.stringify({ jobId: 'report-1', orgId: ORG, key: '../../etc/passwd', fileName: 'x', exp: 9_999_999_999 }),
    ).toString('base64url');
    expect(await refused(`/v1/exports/${otherFile}.${signature}`)).toEqual({ status: 403, code: 'FRAISEQL_DOWNLOAD_TOKEN_INVALID' });
    expect(await refused('/v1/exports/not-a-token')).toEqual({ status: 403, code: 'FRAISEQL_DOWNLOAD_TOKEN_INVALID' });
    expect(await refused(`/v1/exports/${token({ exp: Math.floor(Date.now() / 1000) - 1 })}`)).toEqual({
      status: 410,
      code: 'FRAISEQL_DOWNLOAD_TOKEN_EXPIRED',
    });
    expect(await refused(`/v1/exports/${token({ key: 'removed.csv', fileName: 'removed.csv' })}`)).toEqual({
      status: 410,
      code: 'FRAISEQL_EXPORT_FILE_GONE',
    });
  });
});
