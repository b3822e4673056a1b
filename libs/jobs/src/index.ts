export { JOB_VIEW_STATES } from './job-view';
export type { JobFailure, JobView, JobViewState } from './job-view';
export {
  isJobApiOperation,
  JOB_API,
  JOB_API_OPERATIONS,
  JOB_API_REQUESTS,
  JOB_ID_PATTERN,
  JOB_TYPE_PATTERN,
  MAX_JOBS_PAGE,
  parseJobApiRequest,
} from './job-api';
export type { JobApiOperation, JobApiReply, JobApiRequest, JobApiResults, JobsPage } from './job-api';
export { JobApiClient } from './job-api-client';
export type { JobApiCallOptions, JobApiClientOptions } from './job-api-client';
export { serveJobApi } from './serve-job-api';
export type { JobApiHandlers, ServeJobApiOptions } from './serve-job-api';
export { decodeJobLifecycleEvent, encodeJobLifecycleEvent, jobLifecycleMsgId } from './job-lifecycle-event';
export type { JobLifecycleEvent } from './job-lifecycle-event';
export { observerJobId } from './observer-job-id';
export { MIN_DOWNLOAD_SECRET_BYTES, signExportDownloadToken, verifyExportDownloadToken } from './export-download-token';
export type { ExportDownloadClaims } from './export-download-token';
