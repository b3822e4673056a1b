import { FraiseqlError } from '@fraiseql/errors';
import {
  compileSchema,
  computeSchemaHash,
  defineSchema,
  entity,
  enumType,
  field,
  listQuery,
  loadCompiledSchema,
  objectType,
  observer,
  observerEntities,
  serializeCompiledSchema,
  type CompiledSchema,
  type ObserverDefinition,
} from '../src';

const Status = enumType('TicketStatus', ['OPEN', 'CLOSED']);
const Person = objectType('Person', { email: field.string(), name: field.string({ nullable: true }) });
const Ticket = entity(
  'Ticket',
  { view: 'v_ticket', capture: { preImages: true } },
  {
    id: field.id(),
    status: field.enum(Status),
    priority: field.int(),
    owner: field.object(Person, { nullable: true }),
    tags: field.list(field.string()),
  },
);
const Draft = entity('Draft', { view: 'v_draft' }, { id: field.id(), title: field.string() });
const queries = [listQuery('tickets', Ticket), listQuery('drafts', Draft)];
const compile = (observers: ObserverDefinition[]) => compileSchema(defineSchema({ types: [Ticket, Draft], queries, observers }));
const errorsOf = (observers: ObserverDefinition[]): string[] => {
  try {
    compile(observers);
  } catch (error) {
    expect((error as FraiseqlError).code).toBe('FRAISEQL_SCHEMA_COMPILE_FAILED');
    return (error as { details?: { errors?: string[] } }).details?.errors ?? [String(error)];
  }
  throw new Error('the schema compiled');
};

const ticketClosed = observer('ticketClosed', {
  entity: Ticket,
  on: ['UPDATE'],
  when: "changed_to('status', 'CLOSED') && data.owner.email != ''",
  actions: [{ type: 'email', to: ['{{ data.owner.email }}'], subject: 'Ticket {{ entity_id }} closed', text: 'Closed.' }],
});

describe('observers in the compiled schema', () => {
  it('compiles observer(...) into observers: rules with defaults, org-less', () => {
    const compiled = compile([ticketClosed]);
    expect(compiled.observers).toEqual([
      {
        name: 'ticketClosed',
        entityType: 'Ticket',
        eventTypes: ['UPDATE'],
        condition: "changed_to('status', 'CLOSED') && data.owner.email != ''",
        actions: [{ type: 'email', to: ['{{ data.owner.email }}'], subject: 'Ticket {{ entity_id }} closed', text: 'Closed.' }],
        enabled: true,
        orgId: null,
      },
    ]);
    expect(compiled.sdl).not.toContain('ticketClosed');
  });

  it('compiles a job action (typed by observer(...)) and refuses one whose job type or payload is wrong, naming the field', () => {
    const ticketExport = observer('ticketExport', {
      entity: Ticket,
      on: ['UPDATE'],
      actions: [
        { type: 'job', jobType: 'ticket-export', payload: '{"ticket": {{ entity_id }}, "owner": {{ data.owner.email }}}', delayMs: 1000 },
      ],
    });
    expect(compile([ticketExport]).observers[0]!.actions).toEqual([
      { type: 'job', jobType: 'ticket-export', payload: '{"ticket": {{ entity_id }}, "owner": {{ data.owner.email }}}', delayMs: 1000 },
    ]);
    expect(
      errorsOf([
        observer('badJobType', { entity: Ticket, on: ['UPDATE'], actions: [{ type: 'job', jobType: 'Ticket Export' }] }),
        observer('badPayload', {
          entity: Ticket,
          on: ['UPDATE'],
          actions: [{ type: 'job', jobType: 'x', payload: '{"o": {{ data.nope }}}' }],
        }),
      ]),
    ).toEqual([
      'observer "badJobType": actions[0].jobType: must be a job type name: lower-case words joined by - (e.g. email-batch)',
      'observer "badPayload": actions[0].payload: unknown field data.nope (Ticket has no field "nope")',
    ]);
  });

  it('keeps the hash and the file of a schema without observers as they were before observers existed', () => {
    const compiled = compile([]);
    const { observers: _o, hash: _h, ...before } = compiled;
    expect(compiled.hash).toBe(computeSchemaHash(before as unknown as CompiledSchema));
    const file = serializeCompiledSchema(compiled);
    expect(Object.keys(JSON.parse(file))).not.toContain('observers');
    expect(loadCompiledSchema(file)).toMatchObject({ hash: compiled.hash, observers: [] });
  });

  it('writes observers last, changes the hash with them and round-trips through loadCompiledSchema', () => {
    const compiled = compile([ticketClosed]);
    expect(compiled.hash).not.toBe(compile([]).hash);
    const file = serializeCompiledSchema(compiled);
    expect(Object.keys(JSON.parse(file))).toEqual(['formatVersion', 'hash', 'sdl', 'types', 'queries', 'observers']);
    expect(loadCompiledSchema(file)).toEqual(compiled);
  });

  it('refuses a compiled file whose observer does not validate (edited by hand)', () => {
    const compiled = compile([ticketClosed]);
    const observers = [{ ...compiled.observers[0], condition: "data.colour == 'red'" }];
    const { hash: _h, ...rest } = { ...compiled, observers };
    const edited = { ...rest, hash: computeSchemaHash(rest) };
    expect(() => loadCompiledSchema(edited)).toThrow(/observers\[0\] condition: unknown field data\.colour/);
  });

  it('fails compile naming the observer, the field path and the problem', () => {
    const errors = errorsOf([
      observer('badField', { entity: Ticket, on: ['UPDATE'], when: "data.state == 'OPEN'", actions: [{ type: 'cache', tags: ['t'] }] }),
      observer('badEnum', {
        entity: 'Ticket',
        on: ['UPDATE'],
        when: "changed_to('status', 'DONE')",
        actions: [{ type: 'cache', tags: ['t'] }],
      }),
      observer('badTemplate', { entity: Ticket, on: ['INSERT'], actions: [{ type: 'webhook', url: 'https://x/{{ data.nope }}' }] }),
      observer('badEvent', { entity: Ticket, on: ['CLOSED'], actions: [{ type: 'cache', tags: ['t'] }] }),
      observer('noCapture', { entity: Draft, on: ['INSERT'], actions: [{ type: 'cache', tags: ['t'] }] }),
      observer('notEntity', { entity: 'Person', on: ['INSERT'], actions: [{ type: 'cache', tags: ['t'] }] }),
      observer('ticketClosed', { ...ticketClosed.options }),
      ticketClosed,
    ]);
    expect(errors).toEqual([
      'observer "badField": condition: unknown field data.state (Ticket has no field "state")',
      'observer "badEnum": condition: changed_to(\'status\', …): status is one of "OPEN", "CLOSED"; "DONE" is none of them',
      'observer "badTemplate": actions[0].url: unknown field data.nope (Ticket has no field "nope")',
      'observer "badEvent": eventTypes[0]: Ticket emits no "CLOSED" events (it emits INSERT, UPDATE, DELETE)',
      'observer "noCapture": entity: Draft has no change capture, so it emits no events (declare it with capture: true)',
      'observer "notEntity": entity: "Person" is an object type, not an entity (observers watch entity events)',
      'observer "ticketClosed": duplicate observer name',
    ]);
  });

  it('describes captured entities to observer-rules: scalars, enums with their values, nested objects, lists', () => {
    const catalog = observerEntities(compile([]).types);
    expect([...catalog.keys()]).toEqual(['Ticket']);
    expect(catalog.get('Ticket')).toEqual({
      name: 'Ticket',
      tenantScoped: true,
      preImages: true,
      fields: {
        id: { kind: 'scalar', type: 'string', nullable: false },
        status: { kind: 'scalar', type: 'string', nullable: false, values: ['OPEN', 'CLOSED'] },
        priority: { kind: 'scalar', type: 'int', nullable: false },
        owner: {
          kind: 'object',
          nullable: true,
          fields: { email: { kind: 'scalar', type: 'string', nullable: false }, name: { kind: 'scalar', type: 'string', nullable: true } },
        },
        tags: { kind: 'list', nullable: false, item: { kind: 'scalar', type: 'string', nullable: false } },
      },
    });
  });
});
