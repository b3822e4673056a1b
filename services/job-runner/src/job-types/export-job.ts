import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { planGraphqlExport, runExport, validateExportPayload, type ExportDependencies, type ExportPayload } from '@fraiseql/job-export';
import type { JobType } from './job-type';

/**
 * `export`: a `va_*`/`v_*` view (columns, filter, order, limit), a GraphQL list query, or a time range of events,
 * written as Parquet, Arrow IPC or CSV to the export store (libs/job-export; docs/jobs.md, "Exports"). Reads are
 * scoped to the job's org; a GraphQL query is planned for the job's creator (its org and roles) at enqueue — so a
 * bad document is refused then — and again when it runs, against the schema current then. The result names the file
 * (key, location, size, rows, sha256); the job API's `download` signs a link to it. An attempt that fails or is
 * aborted leaves no file; the next one writes the whole file again under the same key.
 */
export function exportJobType(dependencies: ExportDependencies, timeoutMs = 3_600_000): JobType<ExportPayload> {
  return {
    name: 'export',
    parse(payload: unknown, enqueuedBy?: Caller): ExportPayload {
      const checked = validateExportPayload(payload);
      if (checked.source.kind === 'graphql' && enqueuedBy !== undefined) {
        if (dependencies.planner === undefined) {
          throw new FraiseqlError(
            'FRAISEQL_JOB_PAYLOAD_INVALID',
            'payload.source.kind: this job-runner has no compiled schema (FRAISEQL_SCHEMA_SOURCE), so it runs no graphql exports',
            { details: { path: 'payload.source.kind' } },
          );
        }
        planGraphqlExport(dependencies.planner(), checked.source, enqueuedBy);
      }
      return checked;
    },
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
          caller: context.createdBy,
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
