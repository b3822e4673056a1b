import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { FraiseqlError } from '@fraiseql/errors';
import { checkExportKey } from './export-key';
import type { ExportStore } from './export-store';

export interface S3ExportStoreOptions {
  bucket: string;
  /** An S3-compatible endpoint (MinIO, R2, Ceph…); default AWS for `region`. */
  endpoint?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`), which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Default: the SDK's own chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Prepended to every key, e.g. `exports/` (a `/` is added when missing). */
  prefix?: string;
  /** Multipart part size in bytes (default 8 MiB, minimum 5 MiB): memory per upload is about 2 parts. */
  partSizeBytes?: number;
}

/**
 * Export files in an S3-compatible bucket. `put` streams the body as a multipart upload (lib-storage
 * `Upload`, two parts in flight); S3 shows an object only once its upload completes, and a failed or
 * aborted body aborts the multipart upload, so no partial object is ever visible.
 */
export class S3ExportStore implements ExportStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;

  constructor(options: S3ExportStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ? options.prefix.replace(/^\/+/, '').replace(/\/*$/, '/') : '';
    if (this.prefix !== '') checkExportKey(this.prefix.slice(0, -1));
    this.partSize = Math.max(5 * 1024 * 1024, options.partSizeBytes ?? 8 * 1024 * 1024);
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      // Checksums only where S3 requires them: S3-compatible servers differ in the newer ones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(
    key: string,
    body: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
    contentType: string,
  ): Promise<{ location: string; sizeBytes: number }> {
    const objectKey = this.objectKey(key);
    let sizeBytes = 0;
    let bodyError: unknown;
    const counted = Readable.from(
      (async function* () {
        try {
          for await (const chunk of body as AsyncIterable<Uint8Array>) {
            sizeBytes += chunk.byteLength;
            yield chunk;
          }
        } catch (error) {
          bodyError = error;
          throw error;
        }
      })(),
      { objectMode: false },
    );
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: counted, ContentType: contentType },
      queueSize: 2,
      partSize: this.partSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      if (bodyError !== undefined) throw bodyError;
      throw storeError(error, `upload ${objectKey}`);
    }
    return { location: `s3://${this.bucket}/${objectKey}`, sizeBytes };
  }

  async open(key: string): Promise<NodeJS.ReadableStream> {
    const objectKey = this.objectKey(key);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return object.Body as Readable;
    } catch (error) {
      throw storeError(error, `read ${objectKey}`);
    }
  }

  async stat(key: string): Promise<{ sizeBytes: number } | null> {
    const objectKey = this.objectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return { sizeBytes: head.ContentLength ?? 0 };
    } catch (error) {
      if (error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound')) return null;
      throw storeError(error, `stat ${objectKey}`);
    }
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      throw storeError(error, `delete ${objectKey}`);
    }
  }

  /** Closes the SDK's connections. */
  destroy(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return this.prefix + checkExportKey(key);
  }
}

function storeError(error: unknown, what: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_EXPORT_STORE_FAILED', `Export store (s3): could not ${what}: ${(error as Error).message}`, {
    cause: error,
  });
}
