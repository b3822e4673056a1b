import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { compileSchema, defineSchema, entity, field, listQuery, mutation } from '@fraiseql/schema';
import { QueryPlanner, type MutationInputCheckRequest } from '../src';

// Query roles and the mutation input check (docs/adr/0104-admin-observer-api.md), at the plan level.

const ORG = 'aaaaaaaa-0000-4000-8000-000000000000';
const Note = entity('Note', { view: 'v_note' }, { id: field.id(), title: field.string() });
const compiled = compileSchema(
  defineSchema({
    types: [Note],
    queries: [listQuery('notes', Note), listQuery('secretNotes', Note, { roles: ['auditor', 'admin'] })],
    mutations: [mutation('renameNote', { input: { id: field.id(), title: field.string() }, entity: Note })],
  }),
);
const caller = (roles: string[], orgId: string | null = ORG): Caller => ({ subject: 'sam', orgId, roles });
const RENAME = 'mutation($input: RenameNoteInput!) { renameNote(input: $input) { __typename } }';

describe('query roles', () => {
  const planner = new QueryPlanner(compiled, { cursorSecret: 'secret' });
  const steps = (query: string, who: Caller) => planner.plan(planner.prepare({ query }), {}, who).steps;

  it('plans a role-gated query for a caller with one of its roles, and refuses the field with FRAISEQL_FORBIDDEN otherwise', () => {
    expect(steps('{ secretNotes { id } }', caller(['admin']))[0]).toMatchObject({ kind: 'sql' });
    const [refused, other] = steps('{ secretNotes { id } notes { id } }', caller(['reader']));
    expect(refused).toMatchObject({ kind: 'error', responseKey: 'secretNotes', error: { code: 'FRAISEQL_FORBIDDEN' } });
    expect((refused as { error: FraiseqlError }).error.message).toBe('Reading secretNotes needs the role auditor or admin.');
    expect(other).toMatchObject({ kind: 'sql', responseKey: 'notes' });
  });

  it('refuses a caller without an org as requireOrg does, before looking at roles', () => {
    expect(steps('{ secretNotes { id } }', caller(['admin'], null))[0]).toMatchObject({ error: { code: 'FRAISEQL_FORBIDDEN' } });
    const anonymous: Caller = { subject: null, orgId: null, roles: [] };
    expect(steps('{ secretNotes { id } }', anonymous)[0]).toMatchObject({ error: { code: 'FRAISEQL_UNAUTHENTICATED' } });
  });

  it('checks roles in Flight plans too', () => {
    const op = planner.prepare({ query: '{ secretNotes { id title } }' });
    expect(() => planner.planArrow(op, {}, caller(['reader']))).toThrow(expect.objectContaining({ code: 'FRAISEQL_FORBIDDEN' }));
    expect(planner.planArrow(op, {}, caller(['auditor'])).queryName).toBe('secretNotes');
  });
});

describe('mutationInputCheck', () => {
  const seen: MutationInputCheckRequest[] = [];
  const planner = new QueryPlanner(compiled, {
    cursorSecret: 'secret',
    mutationInputCheck: (request) => {
      seen.push(request);
      const input = request.input as { title: string };
      if (input.title === '') throw new FraiseqlError('BAD_USER_INPUT', 'title: must not be empty');
      return { ...input, title: input.title.trim() };
    },
  });
  const plan = (input: unknown) => planner.plan(planner.prepare({ query: RENAME }), { input }, caller(['admin'])).steps[0];

  it('binds the input the check returns, having shown it the mutation, the coerced input, the caller and the schema', () => {
    const step = plan({ id: '7', title: '  Renamed ' });
    expect(step).toMatchObject({ kind: 'sql' });
    expect(JSON.parse((step as { values: string[] }).values[0]!)).toEqual({ id: '7', title: 'Renamed' });
    expect(seen.at(-1)).toMatchObject({ mutation: { name: 'renameNote' }, input: { id: '7', title: '  Renamed ' }, schema: compiled });
    expect(seen.at(-1)?.caller.subject).toBe('sam');
  });

  it('turns a FraiseqlError of the check into the field error, so no statement is planned for it', () => {
    expect(plan({ id: '7', title: '' })).toMatchObject({ kind: 'error', responseKey: 'renameNote', error: { code: 'BAD_USER_INPUT' } });
  });
});
