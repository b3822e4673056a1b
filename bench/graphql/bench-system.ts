/** Every system the benchmark can run, in the order of `--systems`. */
export const SYSTEM_NAMES = ['FraiseQL', 'FraiseQL+security', 'PostGraphile v4', 'PostGraphile v5'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];
/** The baselines FraiseQL is compared with. */
export type BaselineName = Extract<SystemName, `PostGraphile ${string}`>;

/** One GraphQL server under test, as the load generator and the equality check see it. */
export interface BenchSystem {
  /** `FraiseQL+security`: the same fleet with JWKS auth, Redis rate limits and row-level security on (issue 12). */
  name: SystemName;
  /** The GraphQL endpoint (always on 127.0.0.1). */
  url: string;
  headers: Record<string, string>;
  /** The HTTP body of the query for `limit` orders. */
  body(limit: number): string;
  /** Processes whose CPU time is this system's application tier (PostgreSQL is counted apart). */
  pids: number[];
  /** A one-line description of how the system was set up, for the report. */
  setup: string;
}

/** The fields both systems return, normalised, for the equality check. */
export interface NormalisedOrder {
  id: string;
  status: string;
  total: number;
  placedAtMs: number;
  customer: { id: string; email: string; name: string | null };
  items: { id: string; quantity: number; unitPrice: number; product: { id: string; sku: string; name: string } }[];
}
