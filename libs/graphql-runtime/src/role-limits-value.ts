import { z } from 'zod';
import type { RoleLimitsEntry } from './query-limits';

const limit = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const entry = z.object({ depth: limit, nodes: limit, cost: limit }).partial().strict();
/** Role names as callers carry them (libs/identity), `anonymous` included. */
const roleName = z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'role names use [A-Za-z0-9_.:-]');

/** FRAISEQL_GRAPHQL_ROLE_LIMITS: a JSON object (text from the environment, an object from a config file) of role → limits. */
export function roleLimitsValue() {
  return z.unknown().transform((value, ctx): Record<string, RoleLimitsEntry> => {
    let parsed = value;
    if (typeof value === 'string') {
      try {
        parsed = value.trim() === '' ? {} : JSON.parse(value);
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a JSON object of role limits: ${(error as Error).message}` });
        return z.NEVER;
      }
    }
    const result = z.record(roleName, entry).safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `expected {"<role>": {"depth"?, "nodes"?, "cost"?: positive integers}}; ${where}${issue.message}`,
      });
      return z.NEVER;
    }
    return result.data;
  });
}
