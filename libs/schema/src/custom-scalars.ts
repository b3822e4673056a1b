import { GraphQLError, GraphQLScalarType, Kind, type GraphQLSchema, type ValueNode } from 'graphql';
import { isUuid } from '@fraiseql/identity';

/**
 * Parse/validate functions for the custom scalars of the generated SDL. `buildSchema`
 * gives every scalar an identity parser; a malformed UUID or date must instead become a
 * GraphQL error (BAD_USER_INPUT) before any SQL runs. Output values come from PostgreSQL
 * JSON unchanged, so serialize passes them through.
 */

const badInput = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

function parseDate(value: unknown): string {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw badInput(`Date must be a calendar date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return value as string;
}

function parseDateTime(value: unknown): string {
  const m = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  const valid =
    m &&
    isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
    Number(m[4]) < 24 &&
    Number(m[5]) < 60 &&
    Number(m[6]) < 60 &&
    (m[8].length === 1 || (Number(m[8].slice(1, 3)) < 24 && Number(m[8].slice(4, 6)) < 60));
  if (!valid) throw badInput(`DateTime must be RFC 3339 text with a time zone (e.g. 2024-05-01T12:30:00Z), got ${JSON.stringify(value)}`);
  // Kept as text: PostgreSQL casts it (::timestamptz) without losing microseconds.
  return value as string;
}

function parseUuid(value: unknown): string {
  if (!isUuid(value)) throw badInput(`UUID must be a UUID in text form, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

function parseDecimal(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  // Text is kept as given so that no digit is lost to binary floating point.
  if (typeof value === 'string' && DECIMAL.test(value)) return value;
  throw badInput(`Decimal must be a finite number or numeric text, got ${JSON.stringify(value)}`);
}

function literalToJson(node: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[node.name.value];
  }
}

function stringLiteral(parse: (value: unknown) => string, scalar: string) {
  return (node: ValueNode, variables?: Record<string, unknown> | null): string => {
    if (node.kind === Kind.VARIABLE) return parse(variables?.[node.name.value]);
    if (node.kind !== Kind.STRING) throw badInput(`${scalar} must be given as a string literal`);
    return parse(node.value);
  };
}

const passThrough = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

type ScalarBehaviour = Pick<GraphQLScalarType, 'serialize' | 'parseValue' | 'parseLiteral'>;

export const CUSTOM_SCALARS: Readonly<Record<'DateTime' | 'Date' | 'UUID' | 'JSON' | 'Decimal', ScalarBehaviour>> = {
  DateTime: { serialize: passThrough, parseValue: parseDateTime, parseLiteral: stringLiteral(parseDateTime, 'DateTime') },
  Date: { serialize: passThrough, parseValue: parseDate, parseLiteral: stringLiteral(parseDate, 'Date') },
  UUID: { serialize: passThrough, parseValue: parseUuid, parseLiteral: stringLiteral(parseUuid, 'UUID') },
  JSON: { serialize: passThrough, parseValue: (value) => value, parseLiteral: (node, variables) => literalToJson(node, variables) },
  Decimal: {
    serialize: passThrough,
    parseValue: parseDecimal,
    parseLiteral: (node, variables) => {
      if (node.kind === Kind.VARIABLE) return parseDecimal(variables?.[node.name.value]);
      if (node.kind === Kind.INT || node.kind === Kind.FLOAT || node.kind === Kind.STRING) return parseDecimal(node.value);
      throw badInput('Decimal must be given as a number or string literal');
    },
  },
};

/** Gives the custom scalars of a schema built from compiled SDL their parse/validate functions (in place). */
export function attachScalars(schema: GraphQLSchema): GraphQLSchema {
  for (const [name, behaviour] of Object.entries(CUSTOM_SCALARS)) {
    const type = schema.getType(name);
    if (type instanceof GraphQLScalarType) Object.assign(type, behaviour);
  }
  return schema;
}
