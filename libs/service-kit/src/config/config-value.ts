import { z } from 'zod';

/**
 * Value types for config keys. Each accepts the string form an environment variable
 * carries and the typed form a JSON config file carries, and on failure says what it
 * expected and what it got, so the start-up error is actionable on its own.
 */

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

function fail(ctx: z.RefinementCtx, expected: string, value: unknown): typeof z.NEVER {
  // `fraiseqlFormatted`: the message already names the received value; `expected` lets a secret key say what is wrong without it.
  ctx.addIssue({
    code: z.ZodIssueCode.custom,
    message: `expected ${expected}, got ${describe(value)}`,
    params: { fraiseqlFormatted: true, expected },
  });
  return z.NEVER;
}

/** The schemas declared with `configValue.secret` (their wrappers — optional, default, pipe — are looked through). */
const SECRET_SCHEMAS = new WeakSet<z.ZodTypeAny>();

function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) {
    const n = Number(value.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export interface IntegerRangeOptions {
  min?: number;
  max?: number;
}

export interface UrlOptions {
  /** Accepted schemes without the colon, e.g. ['http', 'https']; any scheme when omitted. */
  protocols?: string[];
}

export interface ListOptions {
  /** Validates each item; items are trimmed and empty items dropped first. */
  item?: z.ZodType<string, z.ZodTypeDef, string>;
}

export const configValue = {
  /**
   * Marks a key as a secret (a signing key, a password, a URL that may carry one): it may be given as `<KEY>_FILE`
   * (a file mounted from a Kubernetes Secret), never in the config file; a bad value is reported without the value,
   * and the logger masks the value wherever it would appear. The value type defaults to a non-empty string.
   */
  secret<T extends z.ZodTypeAny = z.ZodString>(schema?: T): T {
    const marked = (schema ?? z.string().min(1)) as T;
    SECRET_SCHEMAS.add(marked);
    return marked;
  },

  /** A TCP port, 1..65535 (0 too when `allowZero`, meaning "pick a free port"). */
  port(options: { allowZero?: boolean } = {}) {
    const min = options.allowZero ? 0 : 1;
    return z.unknown().transform((value, ctx) => {
      const n = toInteger(value);
      return n !== undefined && n >= min && n <= 65535 ? n : fail(ctx, `a number from ${min} to 65535`, value);
    });
  },

  /** An integer ≥ 1 (or within the given bounds). */
  positiveInt(options: IntegerRangeOptions = {}) {
    const min = options.min ?? 1;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    const expected = options.max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    return z.unknown().transform((value, ctx) => {
      const n = toInteger(value);
      return n !== undefined && n >= min && n <= max ? n : fail(ctx, expected, value);
    });
  },

  /** Milliseconds: a plain integer, or a number with a unit (`250ms`, `30s`, `5m`, `2h`, `7d`). */
  durationMs(options: IntegerRangeOptions = {}) {
    const min = options.min ?? 0;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    return z.unknown().transform((value, ctx) => {
      let ms = toInteger(value);
      if (ms === undefined && typeof value === 'string') {
        const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
        if (match) ms = Math.round(Number(match[1]) * DURATION_UNITS_MS[match[2]!]!);
      }
      return ms !== undefined && ms >= min && ms <= max
        ? ms
        : fail(ctx, `a duration in milliseconds ≥ ${min} (e.g. 1500, "30s", "5m")`, value);
    });
  },

  /** `true`/`false`/`1`/`0` (strings from the environment, or JSON booleans). */
  boolean() {
    return z.unknown().transform((value, ctx) => {
      if (value === true || value === 'true' || value === '1' || value === 1) return true;
      if (value === false || value === 'false' || value === '0' || value === 0) return false;
      return fail(ctx, 'one of true, false, 1, 0', value);
    });
  },

  /** An absolute URL, optionally restricted to some schemes. Returned as the string given. */
  url(options: UrlOptions = {}) {
    const schemes = options.protocols;
    const expected = schemes ? `a URL with scheme ${schemes.join(', ')}` : 'an absolute URL';
    return z.unknown().transform((value, ctx) => {
      if (typeof value !== 'string') return fail(ctx, expected, value);
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        return fail(ctx, expected, value);
      }
      if (schemes && !schemes.includes(parsed.protocol.replace(/:$/, ''))) return fail(ctx, expected, value);
      return value;
    });
  },

  /** A comma-separated list (or a JSON array of strings); items trimmed, empty items dropped. */
  list(options: ListOptions = {}) {
    return z.unknown().transform((value, ctx) => {
      let items: string[];
      if (typeof value === 'string') items = value.split(',');
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) items = value as string[];
      else return fail(ctx, 'a comma-separated list', value);
      const trimmed = items.map((s) => s.trim()).filter((s) => s.length > 0);
      if (!options.item) return trimmed;
      const out: string[] = [];
      for (const item of trimmed) {
        const result = options.item.safeParse(item);
        if (!result.success) return fail(ctx, `a list whose items are valid (${result.error.issues[0]?.message ?? 'invalid'})`, item);
        out.push(result.data);
      }
      return out;
    });
  },
};

/** True when the issue was produced by a `configValue` helper (its message already shows the value). */
export function isFormattedIssue(issue: z.ZodIssue): boolean {
  return issue.code === z.ZodIssueCode.custom && issue.params?.fraiseqlFormatted === true;
}

/** What a key's value failed to be, without the value: for the problems of secret keys. */
export function issueWithoutValue(issue: z.ZodIssue): string {
  const expected: unknown = issue.code === z.ZodIssueCode.custom ? issue.params?.expected : undefined;
  return typeof expected === 'string' ? `expected ${expected} (value not shown: secret)` : `${issue.message} (value not shown: secret)`;
}

/** True when the key's schema, under its optional/default/pipe wrappers, was declared with `configValue.secret`. */
export function isSecretSchema(schema: z.ZodTypeAny): boolean {
  let current: z.ZodTypeAny | undefined = schema;
  for (let depth = 0; current !== undefined && depth < 16; depth++) {
    if (SECRET_SCHEMAS.has(current)) return true;
    current = innerSchema(current);
  }
  return false;
}

function innerSchema(schema: z.ZodTypeAny): z.ZodTypeAny | undefined {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) {
    return schema._def.innerType as z.ZodTypeAny;
  }
  if (schema instanceof z.ZodCatch) return schema._def.innerType as z.ZodTypeAny;
  if (schema instanceof z.ZodEffects) return schema._def.schema as z.ZodTypeAny;
  if (schema instanceof z.ZodPipeline) return schema._def.in as z.ZodTypeAny;
  if (schema instanceof z.ZodBranded) return schema._def.type as z.ZodTypeAny;
  return undefined;
}
