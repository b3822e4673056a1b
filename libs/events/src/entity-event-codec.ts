import { FraiseqlError } from '@fraiseql/errors';
import { isUuid } from '@fraiseql/identity';
import type { EntityEvent, JsonObject } from './entity-event';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The JSON bytes of an event (validated first, so nothing malformed is ever published). */
export function encodeEntityEvent(event: EntityEvent): Uint8Array {
  return encoder.encode(JSON.stringify(validateEntityEvent(event)));
}

/**
 * Parses and validates one event payload (bytes or text). Unknown extra fields are ignored
 * (v1 grows only by additions); a missing or mistyped field is FRAISEQL_BAD_MESSAGE.
 */
export function decodeEntityEvent(payload: Uint8Array | string): EntityEvent {
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : decoder.decode(payload);
  } catch (cause) {
    throw bad('the payload is not valid UTF-8', cause);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw bad('the payload is not JSON', cause);
  }
  return validateEntityEvent(parsed);
}

/** Checks every field of a parsed event and returns it typed, holding exactly the v1 fields. */
export function validateEntityEvent(value: unknown): EntityEvent {
  if (!isObject(value)) throw bad('an event must be a JSON object');
  const v = value;
  const event: EntityEvent = {
    event_id: uuid(v, 'event_id'),
    seq: seq(v),
    event_type: nonEmpty(v, 'event_type'),
    entity_type: nonEmpty(v, 'entity_type'),
    entity_id: nonEmpty(v, 'entity_id'),
    org_id: nullableString(v, 'org_id'),
    user_id: nullableString(v, 'user_id'),
    timestamp: timestamp(v),
    data: object(v, 'data'),
    before: v.before === null ? null : object(v, 'before'),
    changed_fields: stringList(v, 'changed_fields'),
    schema_version: nullableString(v, 'schema_version'),
  };
  return event;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function has(v: JsonObject, key: string): void {
  if (!Object.prototype.hasOwnProperty.call(v, key)) throw bad(`field ${key} is missing`);
}

function nonEmpty(v: JsonObject, key: string): string {
  has(v, key);
  const value = v[key];
  if (typeof value !== 'string' || value === '') throw bad(`field ${key} must be a non-empty string`);
  return value;
}

function nullableString(v: JsonObject, key: string): string | null {
  has(v, key);
  const value = v[key];
  if (value !== null && typeof value !== 'string') throw bad(`field ${key} must be a string or null`);
  return value;
}

function uuid(v: JsonObject, key: string): string {
  const value = nonEmpty(v, key);
  if (!isUuid(value)) throw bad(`field ${key} must be a UUID, got ${JSON.stringify(value)}`);
  return value;
}

function seq(v: JsonObject): number {
  has(v, 'seq');
  const value = v.seq;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw bad(`field seq must be an integer from 1 to 2^53 − 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

function timestamp(v: JsonObject): string {
  const value = nonEmpty(v, 'timestamp');
  const m = TIMESTAMP.exec(value);
  // Date.UTC normalises overflowing parts (month 13, Feb 30): a round trip exposes them.
  const valid =
    m !== null &&
    (() => {
      const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
      const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
      return (
        t.getUTCFullYear() === y &&
        t.getUTCMonth() === mo - 1 &&
        t.getUTCDate() === d &&
        t.getUTCHours() === h &&
        t.getUTCMinutes() === mi &&
        t.getUTCSeconds() === s
      );
    })();
  if (!valid)
    throw bad(
      `field timestamp must be RFC 3339 UTC with six fractional digits (2024-03-01T09:05:00.000000Z), got ${JSON.stringify(value)}`,
    );
  return value;
}

function object(v: JsonObject, key: string): JsonObject {
  has(v, key);
  const value = v[key];
  if (!isObject(value)) throw bad(`field ${key} must be a JSON object`);
  return value;
}

function stringList(v: JsonObject, key: string): string[] {
  has(v, key);
  const value = v[key];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw bad(`field ${key} must be an array of strings`);
  return value as string[];
}

function bad(message: string, cause?: unknown): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed EntityEvent: ${message}`, { cause });
}
