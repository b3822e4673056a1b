export {
  OrgFairness,
  BULLMQ_PRIORITY_LIMIT,
  type OrgFairnessOptions,
  type AcquireResult,
  type PendingIndexEntry,
  type OrgActivity,
  type VirtualClockState,
} from './org-fairness';
export { orgLimitsSchema, DEFAULT_LEASE_MS, type OrgLimits, type ResolvedOrgLimits } from './org-limits';
