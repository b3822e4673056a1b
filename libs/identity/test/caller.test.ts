import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { ANONYMOUS_CALLER, isUuid, normalizeUuid, requestSettingsStatement, requireOrg, toCaller } from '../src';

const ORG = '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f';

describe('toCaller: the one validation of a caller', () => {
  it('keeps a well-formed caller and lower-cases its org id', () => {
    expect(
      toCaller({ subject: 'ada', orgId: ORG.toUpperCase(), roles: ['admin', 'billing.read', 'org:owner'] }, 'FRAISEQL_UNAUTHENTICATED'),
    ).toEqual({ subject: 'ada', orgId: ORG, roles: ['admin', 'billing.read', 'org:owner'] });
  });

  it('reads absent parts as anonymous', () => {
    expect(toCaller({}, 'FRAISEQL_BAD_MESSAGE')).toEqual(ANONYMOUS_CALLER);
    expect(toCaller({ subject: null, orgId: null, roles: null }, 'FRAISEQL_BAD_MESSAGE')).toEqual(ANONYMOUS_CALLER);
  });

  it.each([
    ['an org id that is not a UUID', { subject: 'ada', orgId: 'acme' }],
    ['an org id that is a number', { subject: 'ada', orgId: 42 }],
    ['an empty subject', { subject: '' }],
    ['a subject with surrounding spaces', { subject: ' ada' }],
    ['a subject with a control character', { subject: 'ada\u0000' }],
    ['a subject longer than 256 characters', { subject: 'a'.repeat(257) }],
    ['roles that are not a list', { subject: 'ada', roles: 'admin' }],
    ['a role with a comma (it would split in the header and SQL setting)', { subject: 'ada', roles: ['a,b'] }],
    ['a role with a space', { subject: 'ada', roles: ['ad min'] }],
    ['more than 64 roles', { subject: 'ada', roles: Array.from({ length: 65 }, (_, i) => `r${i}`) }],
  ])('refuses %s with the code its carrier asked for', (_name, input) => {
    expect(() => toCaller(input, 'FRAISEQL_UNAUTHENTICATED')).toThrow(expect.objectContaining({ code: 'FRAISEQL_UNAUTHENTICATED' }));
    expect(() => toCaller(input, 'FRAISEQL_BAD_MESSAGE')).toThrow(expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }));
  });
});

describe('requireOrg: reading tenant data without an org', () => {
  it('gives the org of a caller that has one', () => {
    expect(requireOrg({ subject: 'ada', orgId: ORG, roles: [] }, 'Reading Order')).toBe(ORG);
  });

  it('refuses an anonymous caller with FRAISEQL_UNAUTHENTICATED and an authenticated one outside any org with FRAISEQL_FORBIDDEN', () => {
    expect(() => requireOrg(ANONYMOUS_CALLER, 'Reading Order')).toThrow(expect.objectContaining({ code: 'FRAISEQL_UNAUTHENTICATED' }));
    expect(() => requireOrg({ subject: 'ada', orgId: null, roles: [] }, 'Reading Order')).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_FORBIDDEN', message: 'Reading Order is per organization: the caller belongs to none.' }),
    );
  });
});

describe('UUIDs', () => {
  it('accepts the canonical text form in either case and nothing else', () => {
    expect(isUuid(ORG)).toBe(true);
    expect(isUuid(ORG.toUpperCase())).toBe(true);
    for (const bad of [ORG.replace(/-/g, ''), `{${ORG}}`, `${ORG} `, 'acme', 42, null, undefined]) expect(isUuid(bad)).toBe(false);
    expect(normalizeUuid(ORG.toUpperCase())).toBe(ORG);
    expect(normalizeUuid('acme')).toBeNull();
  });
});

describe('requestSettingsStatement against PostgreSQL', () => {
  let db: TestDatabase;
  let client: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('writes every request setting transaction-locally, absent values as empty strings', async () => {
    await client.query('BEGIN');
    const statement = requestSettingsStatement({
      caller: { subject: 'ada', orgId: ORG, roles: ['staff', 'billing.read'] },
      statementTimeoutMs: 2500.7,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      schemaVersion: 'abc123',
    });
    await client.query(statement.text, statement.values);
    const { rows } = await client.query(`SELECT current_setting('fraiseql.org_id') AS org, current_setting('fraiseql.user_id') AS usr,
      current_setting('fraiseql.roles') AS roles, current_setting('fraiseql.trace_id') AS trace, current_setting('fraiseql.traceparent') AS traceparent,
      current_setting('fraiseql.schema_version') AS version, current_setting('statement_timeout') AS timeout`);
    expect(rows[0]).toEqual({
      org: ORG,
      usr: 'ada',
      roles: 'staff,billing.read',
      trace: '4bf92f3577b34da6a3ce929d0e0e4736',
      traceparent: '',
      version: 'abc123',
      timeout: '2500ms',
    });
    await client.query('COMMIT');
    const after = await client.query(
      `SELECT current_setting('fraiseql.org_id', true) AS org, current_setting('statement_timeout') AS timeout`,
    );
    expect(after.rows[0].org ?? '').toBe('');
    expect(after.rows[0].timeout).toBe('0');
  });

  it('switches to the request role for the transaction only, and keeps the connection role without one', async () => {
    await client.query('CREATE ROLE fraiseql_identity_request_probe NOLOGIN').catch(() => undefined);
    const { rows: session } = await client.query<{ me: string }>('SELECT current_user AS me');
    await client.query('BEGIN');
    const asRole = requestSettingsStatement({ caller: ANONYMOUS_CALLER, statementTimeoutMs: 0, role: 'fraiseql_identity_request_probe' });
    await client.query(asRole.text, asRole.values);
    expect((await client.query('SELECT current_user AS me')).rows[0].me).toBe('fraiseql_identity_request_probe');
    await client.query('COMMIT');
    expect((await client.query('SELECT current_user AS me')).rows[0].me).toBe(session[0]!.me);

    await client.query('BEGIN');
    const own = requestSettingsStatement({ caller: ANONYMOUS_CALLER, statementTimeoutMs: 0 });
    await client.query(own.text, own.values);
    expect((await client.query('SELECT current_user AS me')).rows[0].me).toBe(session[0]!.me);
    await client.query('ROLLBACK');
  });

  it('never turns a small remaining time into "no timeout" (0), and keeps 0 as "none"', () => {
    expect(requestSettingsStatement({ caller: ANONYMOUS_CALLER, statementTimeoutMs: 0.2 }).values[6]).toBe('1');
    expect(requestSettingsStatement({ caller: ANONYMOUS_CALLER, statementTimeoutMs: 0 }).values[6]).toBe('0');
  });
});
