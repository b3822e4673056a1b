import { z } from 'zod';

/**
 * The export keys of a service's config, the same in the gateway (downloads) and the job-runner (writes): the store
 * (`local:<dir>` or `s3://bucket/prefix` with the FRAISEQL_EXPORT_S3_* keys, read by `createExportStore`) and the
 * key download links are signed with. Both or neither (docs/configuration.md).
 */
export const exportConfigShape = {
  FRAISEQL_EXPORT_STORE: z.string().trim().min(1).optional(),
  FRAISEQL_EXPORT_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  FRAISEQL_EXPORT_S3_ENDPOINT: z.string().optional(),
  FRAISEQL_EXPORT_S3_REGION: z.string().optional(),
  FRAISEQL_EXPORT_S3_FORCE_PATH_STYLE: z.string().optional(),
  FRAISEQL_EXPORT_S3_ACCESS_KEY_ID: z.string().optional(),
  FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY: z.string().optional(),
  FRAISEQL_EXPORT_S3_SESSION_TOKEN: z.string().optional(),
  FRAISEQL_EXPORT_S3_PART_SIZE_MB: z.string().optional(),
};
