import { createHmac } from 'node:crypto';
import { FraiseqlError, GrpcStatus } from '@fraiseql/errors';
import { TicketCodec, type FlightTicket } from '@fraiseql/flight';
import type { AuthenticatedCaller } from '@fraiseql/identity';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const ORG = '7f1c2a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b';
const OTHER_ORG = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const alice: AuthenticatedCaller = { subject: 'alice', orgId: ORG, roles: ['analyst'] };

const TICKETS: Record<FlightTicket['kind'], FlightTicket> = {
  graphql: {
    kind: 'graphql',
    query: 'query Orders($s: OrderStatus) { orders(where: { status: { eq: $s } }) { id total } }',
    variables: { s: 'PAID' },
    operationName: 'Orders',
  },
  view: {
    kind: 'view',
    view: 'va_order_totals',
    columns: ['org_id', 'day', 'total'],
    filters: [
      { column: 'day', op: 'gte', value: '2026-01-01' },
      { column: 'status', op: 'in', value: ['PAID', 'SHIPPED'] },
      { column: 'note', op: 'isNull', value: false },
    ],
    orderBy: [{ column: 'day', direction: 'desc', nulls: 'last' }],
    limit: 1000,
  },
  events: { kind: 'events', entityType: 'Order', orgId: ORG, from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00.000+01:00' },
  export: { kind: 'export', source: 'ta_order_facts', columns: ['id', 'total'], partition: { index: 3, count: 8 } },
  analytics: { kind: 'analytics', dataset: 'events_hourly', from: '2026-01-01T00:00:00Z', to: '2026-01-08T00:00:00Z', limit: 500 },
};

const codec = new TicketCodec({ secret: SECRET });
const issue = (ticket: FlightTicket = TICKETS.view, principal = alice, ttlMs = 60_000): Buffer =>
  codec.issue(ticket, principal, { ttlMs, now: T0 });

function refusal(run: () => unknown): FraiseqlError {
  try {
    run();
  } catch (error) {
    if (error instanceof FraiseqlError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** Signs arbitrary claims the way the codec does (the documented format), to test what verify does with signed but bad content. */
function signRaw(payload: string, version = 1): Buffer {
  const key = createHmac('sha256', SECRET).update('fraiseql.flight-ticket.v1').digest();
  const signed = Buffer.concat([Buffer.from([version]), Buffer.from(payload, 'utf8')]);
  return Buffer.concat([signed, createHmac('sha256', key).update(signed).digest()]);
}
const claims = (t: unknown, overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({ sub: 'alice', org: ORG, iat: T0, exp: T0 + 60_000, jti: 'x', t, ...overrides });

describe('TicketCodec', () => {
  it.each(Object.keys(TICKETS))('round-trips a %s ticket for the principal that obtained it', (kind) => {
    const ticket = TICKETS[kind as FlightTicket['kind']];
    expect(codec.verify(issue(ticket), alice, T0 + 1)).toEqual(ticket);
  });

  it('issues different bytes for the same request (each ticket has its own id)', () => {
    expect(issue().equals(issue())).toBe(false);
  });

  it('accepts a ticket from another codec instance with the same secret, and from a previous secret during rotation', () => {
    const bytes = issue();
    expect(new TicketCodec({ secret: SECRET }).verify(bytes, alice, T0)).toEqual(TICKETS.view);
    const rotated = new TicketCodec({ secret: 'the-new-secret-also-at-least-32-bytes!!', previousSecrets: [SECRET] });
    expect(rotated.verify(bytes, alice, T0)).toEqual(TICKETS.view);
  });

  describe('tampering', () => {
    const bytes = issue();
    const expectForged = (tampered: Uint8Array): void => {
      const error = refusal(() => codec.verify(tampered, alice, T0));
      expect(error.code).toBe('FRAISEQL_TICKET_FORGED');
      expect(error.grpcStatus).toBe(GrpcStatus.UNAUTHENTICATED);
    };

    it('refuses a ticket with any single byte of payload or MAC flipped', () => {
      for (let i = 1; i < bytes.length; i++) {
        const tampered = Buffer.from(bytes);
        tampered[i] = tampered[i]! ^ 0x01;
        expectForged(tampered);
      }
    });

    it('refuses a truncated or extended ticket', () => {
      expectForged(bytes.subarray(0, bytes.length - 1));
      expectForged(bytes.subarray(0, 40));
      expectForged(Buffer.concat([bytes, Buffer.from([0])]));
      const tooShort = refusal(() => codec.verify(bytes.subarray(0, 10), alice, T0));
      expect(tooShort.code).toBe('FRAISEQL_TICKET_INVALID');
      expect(refusal(() => codec.verify(new Uint8Array(0), alice, T0)).grpcStatus).toBe(GrpcStatus.INVALID_ARGUMENT);
    });

    it('refuses a ticket signed with another secret', () => {
      const other = new TicketCodec({ secret: 'another-secret-of-at-least-32-bytes-long' });
      expectForged(other.issue(TICKETS.view, alice, { ttlMs: 60_000, now: T0 }));
    });

    it('refuses an unknown format version as INVALID_ARGUMENT', () => {
      for (const version of [0, 2, 255]) {
        const tampered = Buffer.from(bytes);
        tampered[0] = version;
        const error = refusal(() => codec.verify(tampered, alice, T0));
        expect(error.code).toBe('FRAISEQL_TICKET_INVALID');
        expect(error.grpcStatus).toBe(GrpcStatus.INVALID_ARGUMENT);
        expect(error.message).toContain(`unknown format version ${version}`);
      }
    });
  });

  it('refuses an expired ticket with UNAUTHENTICATED and says when it expired', () => {
    const bytes = issue(TICKETS.export, alice, 60_000);
    expect(codec.verify(bytes, alice, T0 + 59_999)).toEqual(TICKETS.export);
    const error = refusal(() => codec.verify(bytes, alice, T0 + 60_000));
    expect(error.code).toBe('FRAISEQL_TICKET_EXPIRED');
    expect(error.grpcStatus).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(error.message).toContain('expired at 2026-01-01T00:01:00.000Z');
  });

  it('refuses a ticket presented by another subject or from another org with PERMISSION_DENIED', () => {
    const bytes = issue();
    const bob = refusal(() => codec.verify(bytes, { ...alice, subject: 'bob' }, T0));
    expect(bob.code).toBe('FRAISEQL_TICKET_WRONG_PRINCIPAL');
    expect(bob.grpcStatus).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(bob.message).toContain('another principal');
    const otherOrg = refusal(() => codec.verify(bytes, { ...alice, orgId: OTHER_ORG }, T0));
    expect(otherOrg.code).toBe('FRAISEQL_TICKET_WRONG_PRINCIPAL');
    expect(otherOrg.message).toContain('another organization');
    expect(refusal(() => codec.verify(bytes, { ...alice, orgId: null }, T0)).code).toBe('FRAISEQL_TICKET_WRONG_PRINCIPAL');
  });

  it("does not issue an events ticket for an org other than the caller's", () => {
    const error = refusal(() => issue({ ...TICKETS.events, orgId: OTHER_ORG } as FlightTicket));
    expect(error.code).toBe('FRAISEQL_TICKET_WRONG_PRINCIPAL');
    const signed = signRaw(claims({ ...TICKETS.events, orgId: OTHER_ORG }));
    expect(refusal(() => codec.verify(signed, alice, T0)).code).toBe('FRAISEQL_TICKET_WRONG_PRINCIPAL');
  });

  it('refuses an oversized ticket before looking at its content', () => {
    const small = new TicketCodec({ secret: SECRET, maxTicketBytes: 1024 });
    // Garbage in every position: only the size check can produce this message.
    const error = refusal(() => small.verify(Buffer.alloc(1025, 0xff), alice, T0));
    expect(error.code).toBe('FRAISEQL_TICKET_INVALID');
    expect(error.grpcStatus).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.message).toBe('Ticket is 1025 bytes; the limit is 1024.');
    expect(refusal(() => codec.verify(Buffer.alloc(16 * 1024 + 1), alice, T0)).message).toContain('the limit is 16384');
  });

  it('does not issue a ticket it would refuse for its size', () => {
    const small = new TicketCodec({ secret: SECRET, maxTicketBytes: 256 });
    const error = refusal(() => small.issue({ kind: 'graphql', query: `{ ${'orders { id } '.repeat(30)}}` }, alice, { ttlMs: 1000 }));
    expect(error.code).toBe('FRAISEQL_TICKET_INVALID');
  });

  const BAD_TICKETS: Array<[string, unknown]> = [
    ['a SQL-looking view name', { ...TICKETS.view, view: 'va_x; DROP TABLE tb_user' }],
    ['a view outside va_/ta_', { ...TICKETS.view, view: 'tb_user' }],
    ['a quoted column', { ...TICKETS.view, columns: ['"id"'] }],
    ['a column expression', { ...TICKETS.view, columns: ['count(*)'] }],
    ['an upper-case identifier', { ...TICKETS.view, columns: ['Total'] }],
    ['a 64-character identifier', { ...TICKETS.view, columns: ['a'.repeat(64)] }],
    ['repeated columns', { ...TICKETS.view, columns: ['id', 'id'] }],
    ['an unknown operator', { ...TICKETS.view, filters: [{ column: 'id', op: 'raw', value: '1=1' }] }],
    ['a filter with an extra key', { ...TICKETS.view, filters: [{ column: 'id', op: 'eq', value: 1, sql: 'true' }] }],
    ['a list for eq', { ...TICKETS.view, filters: [{ column: 'id', op: 'eq', value: [1] }] }],
    ['a scalar for in', { ...TICKETS.view, filters: [{ column: 'id', op: 'in', value: 1 }] }],
    ['an object value', { ...TICKETS.view, filters: [{ column: 'id', op: 'eq', value: { $gt: 1 } }] }],
    ['a negative limit', { ...TICKETS.view, limit: -1 }],
    ['a fractional limit', { ...TICKETS.view, limit: 1.5 }],
    ['a raw sql field', { ...TICKETS.view, sql: 'select 1' }],
    ['an unknown kind', { kind: 'sql', query: 'select 1' }],
    ['an empty query', { kind: 'graphql', query: '' }],
    ['a non-ISO time', { ...TICKETS.events, from: 'yesterday' }],
    ['a reversed time range', { ...TICKETS.events, from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
    ['a partition index past the count', { ...TICKETS.export, partition: { index: 8, count: 8 } }],
    ['a negative partition index', { ...TICKETS.export, partition: { index: -1, count: 8 } }],
    ['a SQL-looking export source', { ...TICKETS.export, source: 'tb_user where 1=1' }],
  ];

  it.each(BAD_TICKETS)('refuses %s at issue and at verify with INVALID_ARGUMENT', (_name, ticket) => {
    const atIssue = refusal(() => issue(ticket as FlightTicket));
    expect(atIssue.code).toBe('FRAISEQL_TICKET_INVALID');
    expect(atIssue.grpcStatus).toBe(GrpcStatus.INVALID_ARGUMENT);
    const atVerify = refusal(() => codec.verify(signRaw(claims(ticket)), alice, T0));
    expect(atVerify.code).toBe('FRAISEQL_TICKET_INVALID');
  });

  it('refuses signed but malformed payloads with INVALID_ARGUMENT', () => {
    for (const payload of ['not json', '[]', claims(TICKETS.view, { exp: 'never' }), claims(TICKETS.view, { admin: true })]) {
      expect(refusal(() => codec.verify(signRaw(payload), alice, T0)).code).toBe('FRAISEQL_TICKET_INVALID');
    }
  });

  it('refuses a short secret and an out-of-range ttl', () => {
    expect(refusal(() => new TicketCodec({ secret: 'short' })).code).toBe('FRAISEQL_CONFIG_INVALID');
    expect(() => codec.issue(TICKETS.view, alice, { ttlMs: 0 })).toThrow(RangeError);
    expect(() => codec.issue(TICKETS.view, alice, { ttlMs: 2 * 60 * 60 * 1000 })).toThrow(RangeError);
  });
});
