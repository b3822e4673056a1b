export { jobRunnerConfig } from './config';
export type { JobRunnerConfig } from './config';
export { createJobRunner } from './create-job-runner';
export type { JobRunner, JobRunnerOptions } from './create-job-runner';
export { JobTypeRegistry, zodPayload } from './job-types/job-type';
export type { JobContext, JobType } from './job-types/job-type';
