/** How many rows of each kind a seed writes (users, products, categories per org; orders and reviews in total). */
export interface SeedPlan {
  orgs: number;
  usersPerOrg: number;
  categoriesPerOrg: number;
  productsPerOrg: number;
  /** Total; spread round-robin over the orgs (org 1 gets the remainder first). */
  orders: number;
  reviews: number;
}

export const MIN_SCALE = 1_000;
export const MAX_SCALE = 1_000_000;

/** `1k`, `10k`, `100k`, `1m` (or any count of orders between 1k and 1M, e.g. `25000`, `250k`). */
export function parseScale(text: string): number {
  const match = /^(\d+)([km]?)$/i.exec(text.trim());
  if (!match) throw new RangeError(`scale "${text}" is not a number of orders like 1k, 10k, 100k, 1m`);
  const unit = match[2]!.toLowerCase();
  const orders = Number(match[1]) * (unit === 'k' ? 1_000 : unit === 'm' ? 1_000_000 : 1);
  if (orders < MIN_SCALE || orders > MAX_SCALE) throw new RangeError(`scale ${text} is outside 1k..1m orders`);
  return orders;
}

/**
 * Proportions: users ≈ orders/10 (at least 50), products ≈ orders/50 within 200..2000,
 * 20 categories per org, reviews = orders/5; orders ≈ 3 items each (1..5). Per-org counts are
 * rounded up so that every org gets the same catalogue and customer base.
 */
export function seedPlan(orders: number, orgs = 3): SeedPlan {
  if (!Number.isInteger(orders) || orders < 1) throw new RangeError(`orders must be a positive integer, got ${orders}`);
  if (!Number.isInteger(orgs) || orgs < 1 || orgs > 9999) throw new RangeError(`orgs must be an integer in 1..9999, got ${orgs}`);
  const users = Math.max(50, Math.round(orders / 10));
  const products = Math.min(2000, Math.max(200, Math.round(orders / 50)));
  return {
    orgs,
    usersPerOrg: Math.ceil(users / orgs),
    categoriesPerOrg: 20,
    productsPerOrg: Math.ceil(products / orgs),
    orders,
    reviews: Math.round(orders / 5),
  };
}
