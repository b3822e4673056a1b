import { runExport, validateExportPayload, type ExportDependencies, type ExportPayload } from '@fraiseql/job-export';
import type { JobType } from './job-type';

/**
 * `export`: a `va_*`/`v_*` view (columns, filter, order, limit) or a time range of events, written as Parquet,
 * Arrow IPC or CSV to the export store (libs/job-export; docs/jobs.md, "Exports"). Reads are scoped to the job's
 * org. The result names the file (key, location, size, rows, sha256); the job API's `download` signs a link to it.
 * An attempt that fails or is aborted leaves no file; the next one writes the whole file again under the same key.
 */
export function exportJobType(dependencies: ExportDependencies, timeoutMs = 3_600_000): JobType<ExportPayload> {
  return {
    name: 'export',
    parse: validateExportPayload,
    timeoutMs,
    retry: {
      initialIntervalMs: 30_000,
      backoff: 'exponential',
      maximumIntervalMs: 600_000,
      jitter: 0.2,
      maximumAttempts: 3,
      // A view that does not exist, a column it lacks: no retry finds them.
      nonRetryable: ['FRAISEQL_JOB_PAYLOAD_INVALID', 'FRAISEQL_BAD_REQUEST', 'FRAISEQL_FORBIDDEN'],
    },
    async run(payload, context) {
      const result = await runExport(
        payload,
        {
          orgId: context.orgId,
          // The file is `<org>/<id>.<ext>`; the export library wants a name that starts with a letter or digit.
          jobId: /^[A-Za-z0-9]/.test(context.jobId) ? context.jobId : `job${context.jobId}`,
          signal: context.signal,
          progress: (update) => context.progress(update),
        },
        dependencies,
      );
      return { ...result };
    },
  };
}
