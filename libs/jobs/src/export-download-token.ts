import { createHmac, timingSafeEqual } from 'node:crypto';
import { FraiseqlError } from '@fraiseql/errors';
import { z } from 'zod';

/** What a download token grants: one file of one job of one org, until `exp` (epoch seconds). */
export interface ExportDownloadClaims {
  jobId: string;
  orgId: string | null;
  /** The file's key in the export store. */
  key: string;
  /** The file name the browser is offered (Content-Disposition). */
  fileName: string;
  exp: number;
}

export const MIN_DOWNLOAD_SECRET_BYTES = 32;
const LABEL = 'fraiseql export download v1';

const claimsSchema = z
  .object({
    jobId: z.string().min(1).max(128),
    orgId: z.string().min(1).nullable(),
    key: z.string().min(1).max(1024),
    fileName: z.string().min(1).max(255),
    exp: z.number().int().positive(),
  })
  .strict();

function keyOf(secret: string): Buffer {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_DOWNLOAD_SECRET_BYTES) {
    throw new FraiseqlError(
      'FRAISEQL_CONFIG_INVALID',
      `The export signing key must be at least ${MIN_DOWNLOAD_SECRET_BYTES} bytes (got ${bytes}).`,
    );
  }
  return createHmac('sha256', secret).update(LABEL).digest();
}

/**
 * `<claims>.<signature>`, both base64url: the job-runner signs it (job API `download`), the gateway checks it before
 * it serves the file (`GET /v1/exports/<token>`). Whoever holds the token may fetch the file until it expires, like a
 * pre-signed URL; the path is never derived from anything the client chose.
 */
export function signExportDownloadToken(claims: ExportDownloadClaims, secret: string): string {
  const body = Buffer.from(JSON.stringify(claimsSchema.parse(claims))).toString('base64url');
  return `${body}.${createHmac('sha256', keyOf(secret)).update(body).digest('base64url')}`;
}

/** The claims of a genuine, unexpired token; FRAISEQL_DOWNLOAD_TOKEN_INVALID or FRAISEQL_DOWNLOAD_TOKEN_EXPIRED otherwise. */
export function verifyExportDownloadToken(token: string, secret: string, nowMs = Date.now()): ExportDownloadClaims {
  const invalid = (why: string): FraiseqlError =>
    new FraiseqlError('FRAISEQL_DOWNLOAD_TOKEN_INVALID', `The download link is not valid: ${why}`);
  if (token.length > 4096) throw invalid('too long');
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) throw invalid('malformed');
  const expected = createHmac('sha256', keyOf(secret)).update(body).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw invalid('it was not issued by this deployment or was altered');
  let claims: ExportDownloadClaims;
  try {
    claims = claimsSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    throw invalid('malformed claims');
  }
  if (claims.exp * 1000 <= nowMs) {
    throw new FraiseqlError(
      'FRAISEQL_DOWNLOAD_TOKEN_EXPIRED',
      `The download link expired at ${new Date(claims.exp * 1000).toISOString()}; ask for a new one (exportDownload)`,
    );
  }
  return claims;
}
