import { z } from 'zod';

/**
 * What one org may run. Absent or `null` = unlimited; in `OrgFairnessOptions.orgLimits`, a key
 * overrides the default (so `null` lifts a default limit for that org) and an absent key inherits it.
 */
export interface OrgLimits {
  /** Jobs of the org running at once. */
  concurrency?: number | null;
  /** Job starts per second (token-bucket refill rate). */
  ratePerSecond?: number | null;
  /** Bucket size: starts allowed at once after a quiet spell. Default: ceil(ratePerSecond). */
  burst?: number | null;
  /** How long a slot stays held without renew/release (a killed worker's slot frees after it). Default 30 s. */
  leaseMs?: number | null;
}

/** Limits with the defaults filled in; `0` = unlimited (what the Lua scripts take). */
export interface ResolvedOrgLimits {
  concurrency: number;
  ratePerSecond: number;
  burst: number;
  leaseMs: number;
}

export const DEFAULT_LEASE_MS = 30_000;

/** The schema of `OrgLimits`, for a service's config schema (strict: an unknown key is refused). */
export const orgLimitsSchema = z
  .object({
    concurrency: z.number().int().positive().nullable().optional(),
    ratePerSecond: z.number().positive().finite().nullable().optional(),
    burst: z.number().int().positive().nullable().optional(),
    leaseMs: z.number().int().positive().nullable().optional(),
  })
  .strict();

export function resolveOrgLimits(defaults: OrgLimits, override: OrgLimits | undefined): ResolvedOrgLimits {
  const merged = { ...defaults, ...override };
  const ratePerSecond = merged.ratePerSecond ?? 0;
  return {
    concurrency: merged.concurrency ?? 0,
    ratePerSecond,
    burst: ratePerSecond > 0 ? (merged.burst ?? Math.max(1, Math.ceil(ratePerSecond))) : 0,
    leaseMs: merged.leaseMs ?? DEFAULT_LEASE_MS,
  };
}
