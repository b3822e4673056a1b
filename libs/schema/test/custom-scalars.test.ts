import { buildGraphQLSchema, compileSchema, defineSchema, entity, field, listQuery, lookupQuery } from '../src';
import { graphql } from 'graphql';

const Event = entity(
  'Event',
  { view: 'v_event' },
  {
    id: field.uuid(),
    at: field.dateTime(),
    day: field.date(),
    amount: field.decimal(),
    payload: field.json({ nullable: true }),
  },
);
const compiled = compileSchema(defineSchema({ types: [Event], queries: [listQuery('events', Event), lookupQuery('event', Event)] }));
const schema = buildGraphQLSchema(compiled);

/** Runs a document whose resolvers echo the coerced arguments, so the test sees what the planner would. */
async function run(source: string, variableValues?: Record<string, unknown>) {
  const rootValue = {
    event: (args: unknown) => ({
      id: '00000000-0000-0000-0000-000000000001',
      at: '2024-01-01T00:00:00Z',
      day: '2024-01-01',
      amount: 1,
      payload: args,
    }),
    events: (args: unknown) => [
      { id: '00000000-0000-0000-0000-000000000001', at: '2024-01-01T00:00:00Z', day: '2024-01-01', amount: 1, payload: args },
    ],
  };
  return graphql({ schema, source, rootValue, variableValues });
}

describe('attachScalars', () => {
  it('refuses a malformed UUID literal with BAD_USER_INPUT', async () => {
    const result = await run('{ event(id: "not-a-uuid") { id } }');
    expect(result.errors?.[0].message).toContain('UUID must be a UUID in text form, got "not-a-uuid"');
    expect(result.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a malformed UUID variable', async () => {
    const result = await run('query($id: UUID!) { event(id: $id) { id } }', { id: '1234' });
    expect(result.errors?.[0].message).toContain('UUID must be a UUID in text form');
    expect(result.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('accepts a valid UUID and normalises it to lower case', async () => {
    const result = await run('query($id: UUID!) { event(id: $id) { payload } }', { id: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ event: { payload: { id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' } } });
  });

  it('refuses impossible dates and date-times without a zone', async () => {
    const bad = [
      ['day', '"2024-02-30"', 'Date must be a calendar date'],
      ['day', '"2024-1-5"', 'Date must be a calendar date'],
      ['at', '"2024-05-01T12:00:00"', 'DateTime must be RFC 3339'],
      ['at', '"2024-05-01T25:00:00Z"', 'DateTime must be RFC 3339'],
      ['at', '12', 'DateTime must be given as a string literal'],
    ];
    for (const [fieldName, literal, message] of bad) {
      const result = await run(`{ events(where: { ${fieldName}: { eq: ${literal} } }) { id } }`);
      expect(result.errors?.[0].message).toContain(message);
    }
  });

  it('passes valid dates, date-times, decimals and JSON through as the planner needs them', async () => {
    const result = await run(
      `query($amount: Decimal) { events(where: {
        day: { eq: "2024-02-29" }, at: { gte: "2024-05-01T12:30:00.123456+02:00" },
        amount: { gt: $amount, lt: 10.25 }, payload: { contains: { tags: ["a", 1, true, null] } }
      }) { payload } }`,
      { amount: '12345678901234567890.123456789' },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.events).toEqual([
      {
        payload: {
          where: {
            day: { eq: '2024-02-29' },
            at: { gte: '2024-05-01T12:30:00.123456+02:00' },
            amount: { gt: '12345678901234567890.123456789', lt: '10.25' },
            payload: { contains: { tags: ['a', 1, true, null] } },
          },
        },
      },
    ]);
  });

  it('refuses a decimal that is not a number', async () => {
    const result = await run('query($a: Decimal) { events(where: { amount: { eq: $a } }) { id } }', { a: '12abc' });
    expect(result.errors?.[0].message).toContain('Decimal must be a finite number or numeric text');
  });
});
