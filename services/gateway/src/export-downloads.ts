import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { FraiseqlError, RetryableError, toFraiseqlError } from '@fraiseql/errors';
import { verifyExportDownloadToken } from '@fraiseql/jobs';
import type { RateLimits } from '@fraiseql/rate-limits';
import type { Logger } from '@fraiseql/service-kit';

/** The part of the export store the gateway reads (libs/job-export's ExportStore fits). */
export interface ExportFiles {
  stat(key: string): Promise<{ sizeBytes: number } | null>;
  open(key: string): Promise<NodeJS.ReadableStream>;
}

export interface ExportDownloadOptions {
  /** FRAISEQL_EXPORT_SIGNING_KEY: the same key the job-runner signs download tokens with. */
  signingKey: string;
  files: ExportFiles;
  logger: Logger;
  /** Downloads are counted per client address (the token holder is not authenticated otherwise); absent: none. */
  rateLimits?: Pick<RateLimits, 'admitAddress'>;
}

const CONTENT_TYPES: Record<string, string> = {
  parquet: 'application/vnd.apache.parquet',
  arrow: 'application/vnd.apache.arrow.stream',
  arrows: 'application/vnd.apache.arrow.stream',
  csv: 'text/csv; charset=utf-8',
};

/**
 * `GET /v1/exports/<token>` (and HEAD): the file of a succeeded export, for whoever holds a download token the job-runner
 * signed (`exportDownload(id)`, docs/jobs.md). The token names the job, its org and the file's key in the export store;
 * nothing the client sends chooses a path. Failures are `application/problem+json` with the error code.
 */
export const exportDownloads = fp<ExportDownloadOptions>(
  async (app: FastifyInstance, options) => {
    // A wildcard, not `:token`: a token is longer than fastify's parameter limit (maxParamLength, 100).
    app.get<{ Params: { '*': string } }>('/v1/exports/*', async (request, reply) => {
      try {
        await options.rateLimits?.admitAddress(request.ip);
        const claims = verifyExportDownloadToken(request.params['*'], options.signingKey);
        const stat = await options.files.stat(claims.key);
        if (!stat)
          throw new FraiseqlError(
            'FRAISEQL_EXPORT_FILE_GONE',
            `The file of job ${claims.jobId} is no longer in the export store; run the export again`,
          );
        const extension = claims.fileName.split('.').pop()?.toLowerCase() ?? '';
        reply
          .header('content-type', CONTENT_TYPES[extension] ?? 'application/octet-stream')
          .header('content-length', String(stat.sizeBytes))
          .header('content-disposition', `attachment; filename="${claims.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
          .header('cache-control', 'private, no-store')
          .header('x-content-type-options', 'nosniff');
        return reply.send((await options.files.open(claims.key)) as Readable);
      } catch (error) {
        return problem(reply, error, options.logger);
      }
    });
  },
  { name: 'fraiseql-export-downloads' },
);

function problem(reply: FastifyReply, error: unknown, logger: Logger): FastifyReply {
  const failure = toFraiseqlError(error);
  if (failure.code === 'FRAISEQL_INTERNAL') logger.error({ err: error }, 'export download failed');
  const status = failure.httpStatus;
  if (failure instanceof RetryableError) reply.header('retry-after', String(Math.max(1, Math.ceil(failure.retryAfterMs / 1000))));
  return reply
    .code(status)
    .header('content-type', 'application/problem+json')
    .header('cache-control', 'no-store')
    .send({
      type: 'about:blank',
      title: STATUS_CODES[status] ?? 'Error',
      status,
      code: failure.code,
      detail: failure.code === 'FRAISEQL_INTERNAL' ? 'The download failed (see the gateway log)' : failure.message,
    });
}
