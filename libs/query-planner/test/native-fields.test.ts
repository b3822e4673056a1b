import type { Caller } from '@fraiseql/identity';
import { compileSchema, defineSchema, entity, field, listQuery, mutation } from '@fraiseql/schema';
import { assembleResponse, QueryPlanner, type PlanStep } from '../src';

// Native fields (docs/adr/0105-admin-dead-letters-native-fields.md): root fields the planner does not turn into
// SQL but hands to the executor with checked caller and coerced arguments; the value is shaped by renderNative.

const ORG = 'a0000000-0000-4000-8000-00000000000a';
const Ticket = entity('Ticket', { view: 'v_ticket' }, { id: field.id(), title: field.string() });
const compiled = compileSchema(
  defineSchema({
    types: [Ticket],
    queries: [listQuery('tickets', Ticket)],
    mutations: [mutation('closeTicket', { input: { id: field.id() }, entity: Ticket, function: 'fn_close_ticket' })],
    admin: { deadLetters: true },
  }),
);
const planner = new QueryPlanner(compiled, { cursorSecret: 'secret' });
const ADMIN: Caller = { subject: 'ada', orgId: ORG.toUpperCase(), roles: ['dlq:admin'] };
const plan = (query: string, caller: Caller = ADMIN, variables?: Record<string, unknown>) =>
  planner.plan(planner.prepare({ query }), variables, caller);
const native = (step: PlanStep | undefined): Extract<PlanStep, { kind: 'native' }> => {
  if (step?.kind !== 'native') throw new Error(`not a native step: ${JSON.stringify(step)}`);
  return step;
};

describe('native fields in the planner', () => {
  it('plans a native query next to SQL ones, with the coerced arguments and the normalized org', () => {
    const { steps } = plan(
      'query ($since: DateTime) { tickets { id } letters: deadLetters(filter: { rule: "r", since: $since }, limit: 5) { seq } }',
      ADMIN,
      { since: '2026-12-01T00:00:00Z' },
    );
    expect(steps.map((s) => s.kind)).toEqual(['sql', 'native']);
    const step = native(steps[1]);
    expect(step).toMatchObject({ responseKey: 'letters', orgId: ORG, field: { resolver: 'deadLetters.list' } });
    expect(step.args.limit).toBe(5);
    // DateTime arrives checked, as the text given.
    expect((step.args.filter as { since: unknown }).since).toBe('2026-12-01T00:00:00Z');
  });

  it('runs mutation fields in order, native ones among planned ones', () => {
    const { steps, operationType } = plan(
      'mutation { a: purgeDeadLetters(input: { seqs: [1] }) { purged } closeTicket(input: { id: "1" }) { __typename } b: replayDeadLetters(input: { seqs: [2, 3], remove: true }) { skipped { seq } } }',
    );
    expect(operationType).toBe('mutation');
    expect(steps.map((s) => `${s.kind}:${s.responseKey}`)).toEqual(['native:a', 'sql:closeTicket', 'native:b']);
    expect(native(steps[2]).args).toEqual({ input: { seqs: [2, 3], remove: true } });
  });

  it('refuses a caller without the role or without an org on the field alone, and bad arguments for the operation', () => {
    const { steps } = plan('{ tickets { id } deadLetters { seq } }', { ...ADMIN, roles: ['staff'] });
    expect(steps[1]).toMatchObject({
      kind: 'error',
      error: { code: 'FRAISEQL_FORBIDDEN', message: 'Reading deadLetters needs the role admin or dlq:admin.' },
    });
    expect(plan('{ deadLetter(seq: 1) { seq } }', { subject: 'ada', orgId: null, roles: ['admin'] }).steps[0]).toMatchObject({
      kind: 'error',
      error: { code: 'FRAISEQL_FORBIDDEN' },
    });
    expect(plan('{ deadLetter(seq: 1) { seq } }', { subject: null, orgId: null, roles: [] }).steps[0]).toMatchObject({
      kind: 'error',
      error: { code: 'FRAISEQL_UNAUTHENTICATED' },
    });
    expect(() => plan('query ($t: DateTime) { deadLetters(filter: { since: $t }) { seq } }', ADMIN, { t: 'yesterday' })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    );
    expect(() => planner.prepare({ query: '{ deadLetter(seq: "x") { seq } }' })).toThrow(
      expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
    );
  });

  it('shapes the resolved value to the selection: aliases, fragments, skip/include, __typename, DateTime', () => {
    const { steps } = plan(
      'query ($withEvent: Boolean!) { deadLetter(seq: 7) { __typename n: seq ...F event @include(if: $withEvent) } } fragment F on DeadLetter { deadLetteredAt }',
      ADMIN,
      { withEvent: false },
    );
    const step = native(steps[0]);
    const json = planner.renderNative(step, { seq: 7, deadLetteredAt: '2026-12-01T10:00:00.000Z', event: { x: 1 }, source: 'unused' });
    expect(JSON.parse(json)).toEqual({ __typename: 'DeadLetter', n: 7, deadLetteredAt: '2026-12-01T10:00:00.000Z' });
    expect(assembleResponse({ operationHash: 'h', operationType: 'query', steps }, [json])).toBe(`{"data":{"deadLetter":${json}}}`);
    expect(planner.renderNative(step, null)).toBe('null');
    // A value that does not fit the type is the resolver's bug, never a half-built answer.
    expect(() => planner.renderNative(step, { seq: 'seven' })).toThrow(expect.objectContaining({ code: 'FRAISEQL_INTERNAL' }));
  });
});
