import { z } from 'zod';

/** Role names as callers carry them (libs/identity). */
const roleName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'role names use [A-Za-z0-9_.:-]');
/** Requests per second; 0 lifts the limit for the role. */
const rate = z.number().finite().min(0, 'a rate is ≥ 0 (0 = unlimited)').max(1_000_000);

/**
 * FRAISEQL_RATE_LIMIT_ROLES: a JSON object (text from the environment, an object from a config file) of
 * role → requests per second, e.g. `{"analyst": 50, "admin": 1000}`.
 */
export function roleRatesValue() {
  return z.unknown().transform((value, ctx): Record<string, number> => {
    let parsed = value;
    if (typeof value === 'string') {
      try {
        parsed = value.trim() === '' ? {} : JSON.parse(value);
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a JSON object of role rates: ${(error as Error).message}` });
        return z.NEVER;
      }
    }
    const result = z.record(roleName, rate).safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `expected {"<role>": <requests per second, a number ≥ 0>}; ${where}${issue.message}`,
      });
      return z.NEVER;
    }
    return result.data;
  });
}
