import { normalizeUuid } from '@fraiseql/identity';
import { z } from 'zod';

/**
 * What a Flight ticket may ask for. Every field is validated when a ticket is issued and
 * again when it is redeemed, so a ticket can never carry raw SQL: views, tables and columns
 * are plain lower-case identifiers (checked against the compiled schema by the server),
 * filter operators come from a closed set and values are bound as parameters.
 */

/** A PostgreSQL identifier as the schema declares them: lower case, no quoting needed, at most 63 bytes. */
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** A declared analytics view or table (`va_*` / `ta_*`). */
export const ANALYTICS_SOURCE = /^(va|ta)_[a-z0-9_]{1,60}$/;
/** A GraphQL type name (events are keyed by entity type). */
const TYPE_NAME = /^[A-Z][A-Za-z0-9_]{0,62}$/;

export const VIEW_FILTER_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'isNull', 'like', 'ilike'] as const;
export type ViewFilterOperator = (typeof VIEW_FILTER_OPERATORS)[number];

/** Bounds that keep a ticket small and a query reasonable. */
export const TICKET_LIMITS = {
  maxQueryChars: 8192,
  maxColumns: 256,
  maxFilters: 64,
  maxInValues: 1000,
  maxStringValueChars: 1024,
  maxOrderBy: 16,
  maxViewLimit: 10_000_000,
  maxPartitions: 1024,
  maxAnalyticsLimit: 100_000_000,
} as const;

const identifier = z.string().regex(IDENTIFIER, 'must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters)');
const scalarValue = z.union([z.string().max(TICKET_LIMITS.maxStringValueChars), z.number().finite(), z.boolean()]);
const isoTime = z.string().datetime({ offset: true });

const viewFilter = z
  .object({
    column: identifier,
    op: z.enum(VIEW_FILTER_OPERATORS),
    value: z.union([scalarValue, z.array(scalarValue).max(TICKET_LIMITS.maxInValues)]),
  })
  .strict()
  .superRefine((filter, ctx) => {
    const list = Array.isArray(filter.value);
    if (filter.op === 'in' || filter.op === 'nin') {
      if (!list) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['value'], message: `operator ${filter.op} takes a list of values` });
    } else if (list) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['value'], message: `operator ${filter.op} takes a single value` });
    } else if (filter.op === 'isNull' && typeof filter.value !== 'boolean') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['value'], message: 'operator isNull takes true or false' });
    } else if ((filter.op === 'like' || filter.op === 'ilike') && typeof filter.value !== 'string') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['value'], message: `operator ${filter.op} takes a string` });
    }
  });

const unique = (values: readonly string[]): boolean => new Set(values).size === values.length;

export const graphqlTicketSchema = z
  .object({
    kind: z.literal('graphql'),
    query: z.string().min(1).max(TICKET_LIMITS.maxQueryChars),
    variables: z.record(z.unknown()).optional(),
    operationName: z
      .string()
      .regex(/^[_A-Za-z][_0-9A-Za-z]{0,127}$/)
      .optional(),
  })
  .strict();

export const viewTicketSchema = z
  .object({
    kind: z.literal('view'),
    view: z.string().regex(ANALYTICS_SOURCE, 'must name a declared va_* or ta_* view'),
    columns: z.array(identifier).min(1).max(TICKET_LIMITS.maxColumns).refine(unique, 'columns must not repeat'),
    filters: z.array(viewFilter).max(TICKET_LIMITS.maxFilters).optional(),
    orderBy: z
      .array(z.object({ column: identifier, direction: z.enum(['asc', 'desc']), nulls: z.enum(['first', 'last']).optional() }).strict())
      .max(TICKET_LIMITS.maxOrderBy)
      .optional(),
    limit: z.number().int().min(1).max(TICKET_LIMITS.maxViewLimit).optional(),
  })
  .strict();

export const eventsTicketSchema = z
  .object({
    kind: z.literal('events'),
    entityType: z.string().regex(TYPE_NAME, 'must be a GraphQL type name'),
    orgId: z.string().refine((v) => normalizeUuid(v) === v, 'must be a lower-case UUID'),
    from: isoTime,
    to: isoTime,
  })
  .strict()
  .refine((t) => Date.parse(t.from) < Date.parse(t.to), { message: 'from must be before to', path: ['to'] });

export const exportTicketSchema = z
  .object({
    kind: z.literal('export'),
    source: identifier,
    columns: z.array(identifier).min(1).max(TICKET_LIMITS.maxColumns).refine(unique, 'columns must not repeat').optional(),
    partition: z
      .object({ index: z.number().int().min(0), count: z.number().int().min(1).max(TICKET_LIMITS.maxPartitions) })
      .strict()
      .refine((p) => p.index < p.count, { message: 'index must be below count', path: ['index'] }),
  })
  .strict();

/**
 * An analytics dataset of the sink's ClickHouse (`analytics/<dataset>`), read as the holder's org: the org is
 * not in the ticket, it is the principal's (the ticket is bound to it). The server checks the dataset name.
 */
export const analyticsTicketSchema = z
  .object({
    kind: z.literal('analytics'),
    dataset: identifier,
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.number().int().min(1).max(TICKET_LIMITS.maxAnalyticsLimit).optional(),
  })
  .strict()
  .refine((t) => t.from === undefined || t.to === undefined || Date.parse(t.from) < Date.parse(t.to), {
    message: 'from must be before to',
    path: ['to'],
  });

/** The schema of each kind (a plain union would report every kind's issues for one bad field). */
export const FLIGHT_TICKET_SCHEMAS = {
  graphql: graphqlTicketSchema,
  view: viewTicketSchema,
  events: eventsTicketSchema,
  export: exportTicketSchema,
  analytics: analyticsTicketSchema,
} as const;

export type GraphqlTicket = z.infer<typeof graphqlTicketSchema>;
export type ViewTicket = z.infer<typeof viewTicketSchema>;
export type EventsTicket = z.infer<typeof eventsTicketSchema>;
export type ExportTicket = z.infer<typeof exportTicketSchema>;
export type AnalyticsTicket = z.infer<typeof analyticsTicketSchema>;
/** What a DoGet will stream; discriminated by `kind`. */
export type FlightTicket = GraphqlTicket | ViewTicket | EventsTicket | ExportTicket | AnalyticsTicket;
export type FlightTicketKind = FlightTicket['kind'];
