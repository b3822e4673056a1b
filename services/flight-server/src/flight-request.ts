import { FraiseqlError } from '@fraiseql/errors';
import { parseFlightTicket, TICKET_LIMITS, type FlightDescriptor, type FlightTicket } from '@fraiseql/flight';
import { requireOrg, type AuthenticatedCaller } from '@fraiseql/identity';
import type { AnalyticsCatalog } from './analytics-catalog';
import type { FlightCatalog } from './flight-catalog';

/** FlightDescriptor.DescriptorType (Flight.proto). */
const DESCRIPTOR_TYPE = { UNKNOWN: 0, PATH: 1, CMD: 2 } as const;

/** Largest CMD descriptor accepted (its JSON is parsed). */
const MAX_COMMAND_BYTES = 16 * 1024;
/** The window of a PATH ["events", Type] descriptor: the last day. */
const DEFAULT_EVENTS_WINDOW_MS = 86_400_000;

/**
 * What a descriptor asks for. `export` requests are split into partitions by GetFlightInfo (as many
 * as `partitions` asks, or as the row estimate calls for); the other kinds become one ticket.
 */
export type DatasetRequest =
  { kind: 'export'; source: string; columns?: string[]; partitions?: number } | Exclude<FlightTicket, { kind: 'export' }>;

const bad = (message: string): FraiseqlError => new FraiseqlError('BAD_USER_INPUT', message);

/**
 * Reads a descriptor:
 * - PATH `["va_order"]` (any dataset): the whole dataset, partitioned when large (an export);
 * - PATH `["query", "<list query>"]`: the query's rows with every scalar field (a graphql request);
 * - PATH `["events", "<EntityType>"]`: the caller's org's events of the last day;
 * - PATH `["analytics", "<dataset>"]`: an analytics dataset of ClickHouse, the caller's org's, everything kept;
 * - CMD: UTF-8 JSON of a ticket kind (`view`, `graphql`, `events` without orgId — it is the caller's —,
 *   `export` without partition but with an optional `partitions` count, `analytics` with optional from/to/limit
 *   and without orgId).
 */
export function readDescriptor(
  descriptor: FlightDescriptor | null | undefined,
  catalog: FlightCatalog,
  analytics: AnalyticsCatalog,
  principal: AuthenticatedCaller,
  now = Date.now(),
): DatasetRequest {
  if (!descriptor) throw bad('A FlightDescriptor is required.');
  if (descriptor.type === DESCRIPTOR_TYPE.PATH) {
    const path = descriptor.path ?? [];
    if (path.length === 1 && path[0] !== undefined) {
      catalog.readableDataset(path[0], principal);
      return { kind: 'export', source: path[0] };
    }
    if (path.length === 2 && path[0] === 'query' && path[1] !== undefined) {
      return checked({ kind: 'graphql', query: defaultListDocument(catalog, path[1]) }) as DatasetRequest;
    }
    if (path.length === 2 && path[0] === 'events' && path[1] !== undefined) {
      catalog.assertEventEntity(path[1], principal);
      return eventsRequest(
        { entityType: path[1], from: new Date(now - DEFAULT_EVENTS_WINDOW_MS).toISOString(), to: new Date(now).toISOString() },
        principal,
      );
    }
    if (path.length === 2 && path[0] === 'analytics' && path[1] !== undefined) {
      const dataset = analytics.dataset(path[1]);
      catalog.assertAnalyticsReadable(dataset, principal);
      return { kind: 'analytics', dataset };
    }
    throw new FraiseqlError(
      'FRAISEQL_DATASET_NOT_FOUND',
      `No dataset at path ${JSON.stringify(path)}: use ["<va_/ta_ dataset>"], ["query", "<list query>"], ["events", "<EntityType>"] or ["analytics", "<dataset>"].`,
    );
  }
  if (descriptor.type === DESCRIPTOR_TYPE.CMD) {
    const cmd = descriptor.cmd ?? new Uint8Array(0);
    if (cmd.byteLength === 0) throw bad('The CMD descriptor is empty: send the JSON of a request ({"kind":"view",...}).');
    if (cmd.byteLength > MAX_COMMAND_BYTES) throw bad(`The CMD descriptor is ${cmd.byteLength} bytes; the limit is ${MAX_COMMAND_BYTES}.`);
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(cmd).toString('utf8'));
    } catch {
      throw bad('The CMD descriptor is not JSON.');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw bad('The CMD descriptor must be a JSON object with a "kind".');
    const request = value as Record<string, unknown>;
    switch (request.kind) {
      case 'view': {
        const ticket = checked(request) as Extract<FlightTicket, { kind: 'view' }>;
        catalog.columns(catalog.readableDataset(ticket.view, principal), ticket.columns, principal);
        return ticket;
      }
      case 'graphql':
        return checked(request) as DatasetRequest;
      case 'events': {
        const { kind: _kind, ...rest } = request;
        if ('orgId' in rest && rest.orgId !== principal.orgId)
          throw new FraiseqlError(
            'FRAISEQL_TICKET_WRONG_PRINCIPAL',
            "An events request reads the caller's own organization only; leave orgId out.",
          );
        const events = eventsRequest(rest, principal);
        catalog.assertEventEntity(events.entityType, principal);
        return events;
      }
      case 'analytics': {
        if ('orgId' in request)
          throw new FraiseqlError(
            'FRAISEQL_TICKET_WRONG_PRINCIPAL',
            "An analytics request reads the caller's own organization only; leave orgId out.",
          );
        const ticket = checked(request) as Extract<FlightTicket, { kind: 'analytics' }>;
        catalog.assertAnalyticsReadable(analytics.dataset(ticket.dataset), principal);
        return ticket;
      }
      case 'export': {
        const { source, columns, partitions, ...rest } = request;
        if (Object.keys(rest).length > 1)
          throw bad(
            `An export request takes source, columns and partitions only (got ${Object.keys(rest)
              .filter((k) => k !== 'kind')
              .join(', ')}).`,
          );
        const ticket = checked({
          kind: 'export',
          source,
          ...(columns === undefined ? {} : { columns }),
          partition: { index: 0, count: 1 },
        }) as Extract<FlightTicket, { kind: 'export' }>;
        const count = partitionCount(partitions);
        const dataset = catalog.readableDataset(ticket.source, principal);
        catalog.columns(dataset, ticket.columns, principal);
        if (count !== undefined && count > 1 && dataset.partitionColumn === undefined)
          throw bad(`Dataset ${dataset.name} declares no partitionColumn: it is exported in one partition (leave partitions out, or 1).`);
        return {
          kind: 'export',
          source: ticket.source,
          ...(ticket.columns ? { columns: ticket.columns } : {}),
          ...(count === undefined ? {} : { partitions: count }),
        };
      }
      default:
        throw bad('The CMD descriptor\'s "kind" must be one of view, graphql, events, export, analytics.');
    }
  }
  throw bad('The descriptor type must be PATH or CMD.');
}

/** An export's `partitions`: absent (the server decides from the row estimate), or 1 to TICKET_LIMITS.maxPartitions. */
function partitionCount(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > TICKET_LIMITS.maxPartitions)
    throw bad(`An export's partitions must be an integer from 1 to ${TICKET_LIMITS.maxPartitions} (got ${JSON.stringify(value)}).`);
  return value;
}

function eventsRequest(fields: Record<string, unknown>, principal: AuthenticatedCaller): Extract<FlightTicket, { kind: 'events' }> {
  const orgId = requireOrg(principal, 'Event history');
  return checked({ kind: 'events', ...fields, orgId }) as Extract<FlightTicket, { kind: 'events' }>;
}

/** Ticket validation of libs/flight, reported as a bad descriptor. */
function checked(value: unknown): FlightTicket {
  try {
    return parseFlightTicket(value);
  } catch (error) {
    if (error instanceof FraiseqlError && error.code === 'FRAISEQL_TICKET_INVALID')
      throw bad(error.message.replace(/^Ticket/, 'Descriptor'));
    throw error;
  }
}

/** `{ <query> { every scalar field, nested objects' scalar fields } }` for PATH ["query", name]. */
function defaultListDocument(catalog: FlightCatalog, queryName: string): string {
  const query = catalog.listQuery(queryName);
  const types = new Map(catalog.compiled.types.map((t) => [t.name, t]));
  const selection = (typeName: string, depth: number): string => {
    const type = types.get(typeName);
    const parts: string[] = [];
    for (const f of type?.fields ?? []) {
      if (f.type.kind !== 'object') parts.push(f.name);
      else if (depth < 2) {
        const inner = selection(f.type.name, depth + 1);
        if (inner !== '') parts.push(`${f.name} { ${inner} }`);
      }
    }
    return parts.join(' ');
  };
  return `{ ${query.name} { ${selection(query.type, 1)} } }`;
}
