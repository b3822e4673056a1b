import { FraiseqlError } from '@fraiseql/errors';
import type { ExportStore } from './export-store';
import { LocalDirectoryStore } from './local-directory-store';
import { S3ExportStore, type S3ExportStoreOptions } from './s3-export-store';

/** The store's configuration, as environment variables (README "Configuration"). */
export interface ExportStoreConfig {
  /** `local:<directory>` or `s3://<bucket>[/<prefix>]`. */
  FRAISEQL_EXPORT_STORE: string;
  FRAISEQL_EXPORT_S3_ENDPOINT?: string;
  FRAISEQL_EXPORT_S3_REGION?: string;
  /** `true` or `false`; default `true` when an endpoint is set (S3-compatible servers), else `false`. */
  FRAISEQL_EXPORT_S3_FORCE_PATH_STYLE?: string;
  /** Both or neither; neither = the SDK's default chain. */
  FRAISEQL_EXPORT_S3_ACCESS_KEY_ID?: string;
  FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY?: string;
  FRAISEQL_EXPORT_S3_SESSION_TOKEN?: string;
  /** Multipart part size in MiB (5 to 512, default 8). */
  FRAISEQL_EXPORT_S3_PART_SIZE_MB?: string;
}

/** The store a config names. Throws FRAISEQL_CONFIG_INVALID naming the key that is wrong. */
export function createExportStore(config: ExportStoreConfig): ExportStore {
  const target = (config.FRAISEQL_EXPORT_STORE ?? '').trim();
  if (target.startsWith('local:')) {
    const directory = target.slice('local:'.length);
    if (directory === '') throw invalid('FRAISEQL_EXPORT_STORE', 'local: needs a directory, e.g. local:/var/lib/fraiseql/exports');
    return new LocalDirectoryStore(directory);
  }
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(target);
  if (s3 === null)
    throw invalid('FRAISEQL_EXPORT_STORE', `must be local:<directory> or s3://<bucket>[/<prefix>], got ${JSON.stringify(target)}`);
  const options: S3ExportStoreOptions = { bucket: s3[1]! };
  if (s3[2]) options.prefix = s3[2];
  const endpoint = config.FRAISEQL_EXPORT_S3_ENDPOINT;
  if (endpoint) {
    if (!/^https?:\/\/[^\s/]+/.test(endpoint)) throw invalid('FRAISEQL_EXPORT_S3_ENDPOINT', 'must be an http(s) URL');
    options.endpoint = endpoint;
  }
  if (config.FRAISEQL_EXPORT_S3_REGION) options.region = config.FRAISEQL_EXPORT_S3_REGION;
  const pathStyle = config.FRAISEQL_EXPORT_S3_FORCE_PATH_STYLE;
  if (pathStyle !== undefined && pathStyle !== '') {
    if (pathStyle !== 'true' && pathStyle !== 'false') throw invalid('FRAISEQL_EXPORT_S3_FORCE_PATH_STYLE', 'must be true or false');
    options.forcePathStyle = pathStyle === 'true';
  } else {
    options.forcePathStyle = options.endpoint !== undefined;
  }
  const accessKeyId = config.FRAISEQL_EXPORT_S3_ACCESS_KEY_ID;
  const secretAccessKey = config.FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw invalid(accessKeyId ? 'FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY' : 'FRAISEQL_EXPORT_S3_ACCESS_KEY_ID', 'set both keys or neither');
  }
  if (accessKeyId && secretAccessKey) {
    options.credentials = {
      accessKeyId,
      secretAccessKey,
      ...(config.FRAISEQL_EXPORT_S3_SESSION_TOKEN ? { sessionToken: config.FRAISEQL_EXPORT_S3_SESSION_TOKEN } : {}),
    };
  }
  const partSize = config.FRAISEQL_EXPORT_S3_PART_SIZE_MB;
  if (partSize) {
    const mb = Number(partSize);
    if (!Number.isInteger(mb) || mb < 5 || mb > 512) throw invalid('FRAISEQL_EXPORT_S3_PART_SIZE_MB', 'must be an integer from 5 to 512');
    options.partSizeBytes = mb * 1024 * 1024;
  }
  return new S3ExportStore(options);
}

function invalid(key: string, problem: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_CONFIG_INVALID', `${key}: ${problem}`, { details: { key } });
}
