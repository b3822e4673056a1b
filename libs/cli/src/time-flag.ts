import { FraiseqlError } from '@fraiseql/errors';

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A time flag (`--since`, `--until`): an ISO time, or a duration back from now (`30m`, `2h`, `7d`). */
export function parseTimeFlag(value: string, flag: string): Date {
  const duration = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/.exec(value);
  if (duration) return new Date(Date.now() - Math.round(Number(duration[1]) * UNITS_MS[duration[2]!]!));
  const at = Date.parse(value);
  if (Number.isNaN(at))
    throw new FraiseqlError(
      'FRAISEQL_BAD_REQUEST',
      `${flag} expects an ISO time or a duration back (30m, 2h, 7d), got ${JSON.stringify(value)}`,
    );
  return new Date(at);
}
