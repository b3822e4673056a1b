import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { FraiseqlError } from '@fraiseql/errors';

export type ExportFormat = 'parquet' | 'arrow' | 'csv';

/** A value a filter compares a column with; PostgreSQL casts it to the column's type. */
export type FilterValue = string | number | boolean;

/** Exactly one operator per column. */
export type ColumnFilter =
  | { eq: FilterValue }
  | { neq: FilterValue }
  | { gt: FilterValue }
  | { gte: FilterValue }
  | { lt: FilterValue }
  | { lte: FilterValue }
  | { in: FilterValue[] }
  | { isNull: boolean };

export interface ViewExportSource {
  kind: 'view';
  /** A `va_*` (typed) or `v_*` view in the search path. */
  view: string;
  /** Default: every column of the view, in its order. */
  columns?: string[];
  /** Conditions joined with AND. */
  where?: Record<string, ColumnFilter>;
  orderBy?: { column: string; direction?: 'asc' | 'desc' }[];
  limit?: number;
}

export interface EventsExportSource {
  kind: 'events';
  /** RFC 3339; events with from ≤ timestamp < to. */
  from: string;
  to: string;
  entityType?: string;
  eventTypes?: string[];
}

export interface GraphqlExportSource {
  kind: 'graphql';
  /**
   * One list query of the compiled schema (`{ orders(where: …, orderBy: …) { id total customer { name } } }`),
   * planned for the job's creator (its org and roles) as a Flight graphql ticket is; a nested object's fields
   * become columns named by their path (`customer.name`).
   */
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

export type ExportSource = ViewExportSource | EventsExportSource | GraphqlExportSource;

export interface ExportPayload {
  format: ExportFormat;
  source: ExportSource;
}

export const VIEW_NAME_PATTERN = '^(va|v)_[a-z0-9_]+$';
const COLUMN_NAME_PATTERN = '^[a-z_][a-z0-9_]*$';
/** The gateway's default document limit (FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES); the planner applies the configured one. */
export const GRAPHQL_EXPORT_MAX_QUERY_LENGTH = 65_536;
const RFC3339_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$';

const column = { type: 'string', pattern: COLUMN_NAME_PATTERN, maxLength: 63 } as const;
const scalar = { type: ['string', 'number', 'boolean'], maxLength: 10_000 } as const;
const operator = (name: string, value: object): object => ({
  type: 'object',
  properties: { [name]: value },
  required: [name],
  additionalProperties: false,
});

/** The payload's JSON Schema (draft 2020-12). Strict: no property outside it is accepted anywhere. */
export const EXPORT_PAYLOAD_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://fraiseql.dev/schemas/job-export-payload.json',
  title: 'FraiseQL export job payload',
  type: 'object',
  properties: {
    format: { enum: ['parquet', 'arrow', 'csv'] },
    source: {
      type: 'object',
      discriminator: { propertyName: 'kind' },
      required: ['kind'],
      oneOf: [
        {
          type: 'object',
          properties: {
            kind: { const: 'view' },
            view: { type: 'string', pattern: VIEW_NAME_PATTERN, maxLength: 63 },
            columns: { type: 'array', items: column, minItems: 1, maxItems: 1600, uniqueItems: true },
            where: {
              type: 'object',
              propertyNames: column,
              maxProperties: 64,
              additionalProperties: {
                oneOf: [
                  ...['eq', 'neq', 'gt', 'gte', 'lt', 'lte'].map((name) => operator(name, scalar)),
                  operator('in', { type: 'array', items: scalar, minItems: 1, maxItems: 1000 }),
                  operator('isNull', { type: 'boolean' }),
                ],
              },
            },
            orderBy: {
              type: 'array',
              maxItems: 16,
              items: {
                type: 'object',
                properties: { column, direction: { enum: ['asc', 'desc'] } },
                required: ['column'],
                additionalProperties: false,
              },
            },
            limit: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
          },
          required: ['kind', 'view'],
          additionalProperties: false,
        },
        {
          type: 'object',
          properties: {
            kind: { const: 'events' },
            from: { type: 'string', pattern: RFC3339_PATTERN },
            to: { type: 'string', pattern: RFC3339_PATTERN },
            entityType: { type: 'string', minLength: 1, maxLength: 200 },
            eventTypes: {
              type: 'array',
              items: { type: 'string', minLength: 1, maxLength: 200 },
              minItems: 1,
              maxItems: 100,
              uniqueItems: true,
            },
          },
          required: ['kind', 'from', 'to'],
          additionalProperties: false,
        },
        {
          type: 'object',
          properties: {
            kind: { const: 'graphql' },
            query: { type: 'string', minLength: 1, maxLength: GRAPHQL_EXPORT_MAX_QUERY_LENGTH },
            operationName: { type: 'string', pattern: '^[_A-Za-z][_0-9A-Za-z]*$', maxLength: 256 },
            variables: { type: 'object', maxProperties: 256 },
          },
          required: ['kind', 'query'],
          additionalProperties: false,
        },
      ],
    },
  },
  required: ['format', 'source'],
  additionalProperties: false,
} as const;

const ajv = new Ajv2020({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true, discriminator: true });
const validateShape = ajv.compile(EXPORT_PAYLOAD_SCHEMA);

/**
 * The payload, checked against EXPORT_PAYLOAD_SCHEMA and for what a schema cannot say (a time range
 * whose end is not after its start). Throws FRAISEQL_JOB_PAYLOAD_INVALID naming the field, with
 * `details.path` (`payload.source.view`).
 */
export function validateExportPayload(value: unknown): ExportPayload {
  if (!validateShape(value)) {
    // A filter's alternatives each report their own error; the one that says "one operator" is the useful one.
    const errors = validateShape.errors ?? [];
    throw fromAjvError(errors.find((e) => e.keyword === 'oneOf') ?? errors[0]);
  }
  const payload = value as unknown as ExportPayload;
  if (payload.source.kind === 'events') {
    const from = Date.parse(payload.source.from);
    const to = Date.parse(payload.source.to);
    if (Number.isNaN(from)) throw payloadInvalid('payload.source.from', 'is not a valid date-time');
    if (Number.isNaN(to)) throw payloadInvalid('payload.source.to', 'is not a valid date-time');
    if (to <= from) throw payloadInvalid('payload.source.to', 'must be after payload.source.from');
  }
  return payload;
}

/** FRAISEQL_JOB_PAYLOAD_INVALID for one field. */
export function payloadInvalid(path: string, problem: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_JOB_PAYLOAD_INVALID', `${path}: ${problem}`, { details: { path } });
}

function fromAjvError(error: ErrorObject | undefined): FraiseqlError {
  if (error === undefined) return payloadInvalid('payload', 'is invalid');
  const base = ['payload', ...error.instancePath.split('/').slice(1).map(unescapePointer)].join('.');
  const params = error.params as Record<string, unknown>;
  // An error under propertyNames carries the offending key beside the keyword that failed.
  if (error.propertyName !== undefined) {
    return payloadInvalid(`${base}.${error.propertyName}`, `is not a column name (must match ${COLUMN_NAME_PATTERN})`);
  }
  switch (error.keyword) {
    case 'required':
      return payloadInvalid(`${base}.${String(params.missingProperty)}`, 'is required');
    case 'additionalProperties':
      return payloadInvalid(`${base}.${String(params.additionalProperty)}`, 'is not allowed here');
    case 'pattern':
      return payloadInvalid(base, `must match ${String(params.pattern)}`);
    case 'enum':
      return payloadInvalid(base, `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
    case 'discriminator':
      return payloadInvalid(`${base}.kind`, 'must be "view", "events" or "graphql"');
    case 'oneOf':
      return payloadInvalid(base, 'must hold exactly one operator: eq, neq, gt, gte, lt, lte, in (a list) or isNull (a boolean)');
    default:
      return payloadInvalid(base, error.message ?? 'is invalid');
  }
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}
