/**
 * Fixed ids of the seeded data, so READMEs, tests and benchmarks can name rows.
 * Every seeded id is `<kind:8>-<org:4>-4000-8000-<row:12>` in decimal digits; organisations are
 * kind 0 with org part 0000, so org 1 is 00000000-0000-4000-8000-000000000001.
 */
export const SEED_KIND = { organization: 0, user: 1, category: 2, product: 3, order: 4, orderItem: 5, review: 6 } as const;

export type SeedKind = keyof typeof SEED_KIND;

/** The id of row `row` (1-based, per org) of `kind` in org `org` (1-based). */
export function seedId(kind: SeedKind, org: number, row: number): string {
  if (kind === 'organization') return `00000000-0000-4000-8000-${String(org).padStart(12, '0')}`;
  return `${String(SEED_KIND[kind]).padStart(8, '0')}-${String(org).padStart(4, '0')}-4000-8000-${String(row).padStart(12, '0')}`;
}

/** The three demo organisations of a default seed (--orgs 3). */
export const DEMO_ORG_IDS = [seedId('organization', 1, 0), seedId('organization', 2, 0), seedId('organization', 3, 0)] as const;
