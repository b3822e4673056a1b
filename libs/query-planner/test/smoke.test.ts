import { AUTH_A, PlannerHarness } from './fixtures/planner-harness';

let h: PlannerHarness;
beforeAll(async () => { h = await PlannerHarness.start(); });
afterAll(async () => { await h.close(); });

it('smoke', async () => {
  const r = await h.run(`{ orders(limit: 2) { id total customer { email } items { quantity product { sku } } shippingAddress { city } }
    ordersConnection(first: 2) { totalCount edges { cursor node { id placedAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
    order(id: "${'0'.repeat(8)}-0000-4000-8000-000000000000") { id } countries { code } __typename }`, {}, AUTH_A);
  console.log(JSON.stringify(r.body, null, 1));
  for (const s of r.plan.steps) if (s.kind === 'sql') console.log(s.text, s.values);
});
