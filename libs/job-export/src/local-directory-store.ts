import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FraiseqlError } from '@fraiseql/errors';
import { checkExportKey } from './export-key';
import type { ExportStore } from './export-store';

/**
 * Export files in one local directory. A file is written under a hidden temporary name beside its
 * final one and renamed when complete (same directory, so the rename is atomic): a reader never
 * sees half a file, and a failed or aborted write leaves nothing.
 */
export class LocalDirectoryStore implements ExportStore {
  readonly kind = 'local' as const;
  readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  async put(
    key: string,
    body: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
    _contentType: string,
  ): Promise<{ location: string; sizeBytes: number }> {
    const path = this.pathOf(key);
    const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.partial`);
    let sizeBytes = 0;
    try {
      await mkdir(dirname(path), { recursive: true });
      const counted = async function* (chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
        for await (const chunk of chunks) {
          sizeBytes += chunk.byteLength;
          yield chunk;
        }
      };
      await pipeline(
        Readable.from(body as AsyncIterable<Uint8Array>, { objectMode: false }),
        counted,
        createWriteStream(temporary, { flags: 'wx' }),
      );
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw storeError(error, `write ${key}`);
    }
    return { location: path, sizeBytes };
  }

  async open(key: string): Promise<NodeJS.ReadableStream> {
    const path = this.pathOf(key);
    if ((await this.stat(key)) === null)
      throw new FraiseqlError('FRAISEQL_EXPORT_STORE_FAILED', `No export file ${key}`, { details: { key } });
    return createReadStream(path);
  }

  async stat(key: string): Promise<{ sizeBytes: number } | null> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { sizeBytes: info.size } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw storeError(error, `stat ${key}`);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.pathOf(key), { force: true });
    } catch (error) {
      throw storeError(error, `delete ${key}`);
    }
  }

  private pathOf(key: string): string {
    const path = resolve(this.directory, checkExportKey(key));
    // checkExportKey already refuses `..`; this keeps the promise even if that check is ever loosened.
    if (!path.startsWith(this.directory + sep)) {
      throw new FraiseqlError('FRAISEQL_EXPORT_STORE_FAILED', `Export key ${JSON.stringify(key)} leaves the store directory`, {
        details: { key },
      });
    }
    return path;
  }
}

/** A file system failure becomes FRAISEQL_EXPORT_STORE_FAILED; the body's own error (an abort, a query error) passes unchanged. */
function storeError(error: unknown, what: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return error;
  return new FraiseqlError('FRAISEQL_EXPORT_STORE_FAILED', `Export store (local): could not ${what}: ${(error as Error).message}`, {
    cause: error,
  });
}
