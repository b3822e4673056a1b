import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { FraiseqlError } from '@fraiseql/errors';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import { z } from 'zod';
import { FLIGHT_TICKET_SCHEMAS, type FlightTicket } from './flight-ticket';

/**
 * Signed Flight tickets. Layout (bytes):
 *
 *   [0]          format version (1)
 *   [1 .. n-32]  payload: UTF-8 JSON `{ sub, org, iat, exp, jti, t }` (t = the ticket)
 *   [n-32 .. n]  HMAC-SHA256(key, bytes[0 .. n-32]) with key = HMAC-SHA256(secret, "fraiseql.flight-ticket.v1")
 *
 * Clients must treat tickets as opaque: they are signed, not encrypted. Verification
 * checks, in this order, the size, the version, the MAC (constant time, before any
 * parsing, so forged bytes never reach JSON.parse or zod), the fields, the expiry and the
 * principal.
 */
export const TICKET_FORMAT_VERSION = 1;
const MAC_BYTES = 32;
const KEY_LABEL = 'fraiseql.flight-ticket.v1';
const MIN_SECRET_BYTES = 32;

export interface TicketCodecOptions {
  /** At least 32 bytes. Only a key derived from it (with a context label) signs tickets. */
  secret: string | Buffer;
  /** Secrets still accepted on verify while a rotation is rolled out; never used to issue. */
  previousSecrets?: ReadonlyArray<string | Buffer>;
  /** Largest ticket accepted (and issued), checked before anything else. Default 16 KiB. */
  maxTicketBytes?: number;
  /** Longest lifetime `issue` accepts. Default one hour. */
  maxTtlMs?: number;
}

export interface TicketIssueOptions {
  ttlMs: number;
  /** Issue time in milliseconds since the epoch (tests); default Date.now(). */
  now?: number;
}

const claimsSchema = z
  .object({
    sub: z.string().min(1),
    org: z.string().min(1).nullable(),
    iat: z.number().int().nonnegative(),
    exp: z.number().int().positive(),
    jti: z.string().min(1),
    t: z.unknown(),
  })
  .strict();

const deriveKey = (secret: string | Buffer): Buffer => {
  const bytes = typeof secret === 'string' ? Buffer.byteLength(secret, 'utf8') : secret.length;
  if (bytes < MIN_SECRET_BYTES) {
    throw new FraiseqlError(
      'FRAISEQL_CONFIG_INVALID',
      `The Flight ticket secret must be at least ${MIN_SECRET_BYTES} bytes (got ${bytes}).`,
    );
  }
  return createHmac('sha256', secret).update(KEY_LABEL).digest();
};

const invalid = (message: string, details?: Record<string, unknown>): FraiseqlError =>
  new FraiseqlError('FRAISEQL_TICKET_INVALID', message, details ? { details } : {});

/** Validates a ticket's fields; a FRAISEQL_TICKET_INVALID naming the first bad field otherwise. */
export function parseFlightTicket(value: unknown): FlightTicket {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof kind !== 'string' ||
    !Object.prototype.hasOwnProperty.call(FLIGHT_TICKET_SCHEMAS, kind)
  ) {
    throw invalid(`Ticket kind must be one of ${Object.keys(FLIGHT_TICKET_SCHEMAS).join(', ')}.`);
  }
  const result = FLIGHT_TICKET_SCHEMAS[kind as FlightTicket['kind']].safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') || '(ticket)';
    throw invalid(`Ticket field ${kind}.${path} is invalid: ${issue?.message ?? 'bad value'}.`, { field: path });
  }
  return result.data;
}

/** Issues and verifies signed, expiring, principal-bound Flight tickets. */
export class TicketCodec {
  private readonly key: Buffer;
  private readonly verifyKeys: readonly Buffer[];
  readonly maxTicketBytes: number;
  readonly maxTtlMs: number;

  constructor(options: TicketCodecOptions) {
    this.key = deriveKey(options.secret);
    this.verifyKeys = [this.key, ...(options.previousSecrets ?? []).map(deriveKey)];
    this.maxTicketBytes = options.maxTicketBytes ?? 16 * 1024;
    this.maxTtlMs = options.maxTtlMs ?? 60 * 60 * 1000;
    if (!Number.isInteger(this.maxTicketBytes) || this.maxTicketBytes <= 1 + MAC_BYTES) {
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `maxTicketBytes must be an integer above ${1 + MAC_BYTES}.`);
    }
    if (!Number.isInteger(this.maxTtlMs) || this.maxTtlMs <= 0)
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', 'maxTtlMs must be a positive integer.');
  }

  /** Opaque bytes for `ticket`, valid for `principal` only, until now + ttlMs. */
  issue(ticket: FlightTicket, principal: AuthenticatedCaller, options: TicketIssueOptions): Buffer {
    const { ttlMs, now = Date.now() } = options;
    if (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > this.maxTtlMs) {
      throw new RangeError(`ttlMs must be an integer in 1..${this.maxTtlMs} (got ${ttlMs}).`);
    }
    if (principal.subject.length === 0) throw new FraiseqlError('FRAISEQL_UNAUTHENTICATED', 'A ticket needs an authenticated subject.');
    const checked = parseFlightTicket(ticket);
    assertEventsOrg(checked, principal);
    const claims = {
      sub: principal.subject,
      org: principal.orgId,
      iat: now,
      exp: now + ttlMs,
      jti: randomBytes(12).toString('base64url'),
      t: checked,
    };
    const payload = Buffer.from(JSON.stringify(claims), 'utf8');
    const size = 1 + payload.length + MAC_BYTES;
    if (size > this.maxTicketBytes)
      throw invalid(
        `Ticket would be ${size} bytes; the limit is ${this.maxTicketBytes}. Ask for less (shorter query, fewer columns or filters).`,
      );
    const signed = Buffer.concat([Buffer.from([TICKET_FORMAT_VERSION]), payload]);
    return Buffer.concat([signed, createHmac('sha256', this.key).update(signed).digest()]);
  }

  /**
   * The ticket carried by `bytes` when they were issued by this server, are unexpired and
   * belong to `principal`; otherwise a FraiseqlError: FRAISEQL_TICKET_INVALID
   * (INVALID_ARGUMENT) for oversized, malformed or unknown-version tickets,
   * FRAISEQL_TICKET_FORGED / FRAISEQL_TICKET_EXPIRED (UNAUTHENTICATED), and
   * FRAISEQL_TICKET_WRONG_PRINCIPAL (PERMISSION_DENIED) for another subject or org.
   */
  verify(bytes: Uint8Array, principal: AuthenticatedCaller, now: number = Date.now()): FlightTicket {
    if (!(bytes instanceof Uint8Array)) throw invalid('Ticket must be bytes.');
    if (bytes.length > this.maxTicketBytes) throw invalid(`Ticket is ${bytes.length} bytes; the limit is ${this.maxTicketBytes}.`);
    if (bytes.length < 1 + 2 + MAC_BYTES) throw invalid('Ticket is malformed (too short).');
    if (bytes[0] !== TICKET_FORMAT_VERSION) throw invalid(`Ticket has unknown format version ${bytes[0]}.`);
    const signed = bytes.subarray(0, bytes.length - MAC_BYTES);
    const given = bytes.subarray(bytes.length - MAC_BYTES);
    // Every key is tried (no early exit) so the time taken does not tell which one matched.
    let genuine = false;
    for (const key of this.verifyKeys) {
      if (timingSafeEqual(createHmac('sha256', key).update(signed).digest(), given)) genuine = true;
    }
    if (!genuine)
      throw new FraiseqlError(
        'FRAISEQL_TICKET_FORGED',
        'Ticket signature is invalid: it was not issued by this server or was altered. Request a new ticket.',
      );

    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(signed.subarray(1)).toString('utf8'));
    } catch {
      throw invalid('Ticket is malformed (payload is not JSON).');
    }
    const claims = claimsSchema.safeParse(raw);
    if (!claims.success) throw invalid('Ticket is malformed (claims).');
    const ticket = parseFlightTicket(claims.data.t);
    if (now >= claims.data.exp) {
      throw new FraiseqlError(
        'FRAISEQL_TICKET_EXPIRED',
        `Ticket expired at ${new Date(claims.data.exp).toISOString()}. Request a new one with GetFlightInfo.`,
        {
          details: { expiredAt: new Date(claims.data.exp).toISOString() },
        },
      );
    }
    if (claims.data.sub !== principal.subject)
      throw new FraiseqlError('FRAISEQL_TICKET_WRONG_PRINCIPAL', 'Ticket was issued to another principal.');
    if (claims.data.org !== principal.orgId)
      throw new FraiseqlError('FRAISEQL_TICKET_WRONG_PRINCIPAL', 'Ticket was issued for another organization.');
    assertEventsOrg(ticket, principal);
    return ticket;
  }
}

/** An events ticket reads one org's events: only that org's members may hold it. */
function assertEventsOrg(ticket: FlightTicket, principal: AuthenticatedCaller): void {
  if (ticket.kind === 'events' && ticket.orgId !== principal.orgId) {
    throw new FraiseqlError('FRAISEQL_TICKET_WRONG_PRINCIPAL', "An events ticket may only name the caller's own organization.");
  }
}
