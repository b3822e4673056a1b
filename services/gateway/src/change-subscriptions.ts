import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError, type GraphQLFieldResolver, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { JetStreamClient } from 'nats';
import { Counter, Gauge, type Registry } from 'prom-client';
import type WebSocket from 'ws';
import { FraiseqlError, toFraiseqlError } from '@fraiseql/errors';
import { decodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import { decodeJobLifecycleEvent, type JobLifecycleEvent } from '@fraiseql/jobs';
import { ANONYMOUS_CALLER, requireOrg, type Caller } from '@fraiseql/identity';
import { eventFilterSubject, jobFilterSubject, STREAMS } from '@fraiseql/nats-contract';
import { compileChangeProjector, compileWhereMatcher, GraphqlRequestError, type QueryPlanner } from '@fraiseql/query-planner';
import { CHANGE_OPERATIONS, JOB_API_SURFACE } from '@fraiseql/schema';
import type { Logger } from '@fraiseql/service-kit';
import { ChangeFeed, type ChangeFeedOptions } from './change-feed';
import { watchCredentialLifetime } from './credential-lifetime';
import { credentialFailureEntry, credentialKind, type AuditLog } from '@fraiseql/audit';
import type { ApiKeyDirectory, AuthResolver } from '@fraiseql/auth';
import type { RateLimits } from '@fraiseql/rate-limits';
import { admitQueryLimits, type QueryLimitsPolicy } from './admit-query-limits';

export interface ChangeSubscriptionsOptions {
  js: JetStreamClient;
  planner: () => QueryPlanner | undefined;
  resolveAuth: AuthResolver;
  /** The API key directory the resolver reads: a connection opened with a key is closed when the key is revoked. */
  apiKeys?: ApiKeyDirectory;
  /** Events queued for one subscriber before it is disconnected as too slow. */
  maxQueue: number;
  maxPerConnection: number;
  maxTotal: number;
  /** Per-role depth/nodes/cost limits (docs/adr/0134-trusted-documents-and-limits.md); absent: the planner's only. */
  queryLimits?: QueryLimitsPolicy;
  logger: Logger;
  registry: Registry;
  /** Counted at connection_init (address, then caller) and at every subscribe (caller); absent: none. */
  rateLimits?: Pick<RateLimits, 'admitAddress' | 'admitCaller'>;
  /** Credentials refused at connection_init are recorded here (docs/adr/0137-audit-log.md); absent: not audited. */
  audit?: Pick<AuditLog, 'record'>;
}

/** WebSocket close codes of the gateway (docs/adr/0083-subscriptions.md). */
export const CLOSE_CODES = {
  /** connection_init carried credentials that do not verify. */
  unauthenticated: 4401,
  /** A subscriber's queue reached FRAISEQL_GATEWAY_SUBSCRIPTION_MAX_QUEUE. */
  tooSlow: 4429,
  /** connection_init over the address's or the caller's request rate (FRAISEQL_RATE_LIMITED). */
  rateLimited: 4429,
  /** The gateway is shutting down (1001 Going Away). */
  shutdown: 1001,
} as const;

/** A subscription's feed, minus what every feed shares (limits, queue bound, metrics). */
type FeedSpec = Pick<ChangeFeedOptions<unknown>, 'stream' | 'subject' | 'decode' | 'accepts' | 'project'> & { name: string };

/** A `JobChange` of the jobs surface (enum values upper-case). */
function jobChange(event: JobLifecycleEvent): Record<string, unknown> {
  return {
    id: event.job_id,
    type: event.job_type,
    event: event.state.toUpperCase(),
    attempt: event.attempt,
    at: event.at,
    progress: event.progress ?? null,
    result: event.result ?? null,
    errorCode: event.error?.code ?? null,
    errorMessage: event.error?.message ?? null,
    retryAt: event.retry_at ?? null,
  };
}

/** What mercurius keeps per connection (returned by `subscription.context`, merged by `onConnect`). */
interface ConnectionContext {
  fraiseqlConnection: ConnectionState;
  fraiseqlCaller?: Caller;
  id?: string | number;
  __currentQuery?: string;
}

class ConnectionState {
  readonly feeds = new Set<ChangeFeed>();
  constructor(readonly socket: WebSocket) {}
}

const AUTH_KEYS = [
  'authorization',
  'x-api-key',
  'x-fraiseql-org',
  'x-fraiseql-dev-subject',
  'x-fraiseql-dev-org',
  'x-fraiseql-dev-roles',
] as const;

const graphqlError = (code: string, message: string, details?: Record<string, unknown>): GraphQLError =>
  new GraphQLError(message, { extensions: { ...details, code } });

/**
 * GraphQL subscriptions over WebSocket (graphql-transport-ws through mercurius): auth from
 * connection_init, one ChangeFeed per subscription, limits, metrics, and shutdown. See
 * docs/adr/0083-subscriptions.md.
 */
export class ChangeSubscriptions {
  private readonly connections = new Set<ConnectionState>();
  private active = 0;
  private readonly gauge: Gauge;
  private readonly events: Counter<'outcome'>;
  private readonly slowDisconnects: Counter;
  private readonly refused: Counter<'code'>;

  constructor(private readonly options: ChangeSubscriptionsOptions) {
    const registers = [options.registry];
    this.gauge = new Gauge({ name: 'fraiseql_gateway_subscriptions_active', help: 'GraphQL subscriptions open now.', registers });
    new Gauge({
      name: 'fraiseql_gateway_subscriptions_max',
      help: 'The bound on open subscriptions (FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS).',
      registers,
    }).set(options.maxTotal);
    this.events = new Counter({
      name: 'fraiseql_gateway_subscription_events_total',
      help: 'Change events seen by subscriptions, by outcome: delivered (queued for the socket), filtered (operations/where), malformed.',
      labelNames: ['outcome'],
      registers,
    });
    this.slowDisconnects = new Counter({
      name: 'fraiseql_gateway_subscription_slow_disconnects_total',
      help: 'Subscribers disconnected because their queue reached its bound.',
      registers,
    });
    this.refused = new Counter({
      name: 'fraiseql_gateway_subscriptions_refused_total',
      help: 'Subscriptions refused, by error code.',
      labelNames: ['code'],
      registers,
    });
  }

  /** The `subscription` option of mercurius. */
  mercuriusOptions(): Record<string, unknown> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      context: (socket: WebSocket): Pick<ConnectionContext, 'fraiseqlConnection'> => {
        const connection = new ConnectionState(socket);
        this.connections.add(connection);
        socket.once('close', () => this.connections.delete(connection));
        return { fraiseqlConnection: connection };
      },
      // mercurius calls onConnect with the connection as `this`: a refusal closes with a code and reason.
      onConnect: async function (
        this: { socket?: WebSocket; context?: { request?: { headers?: IncomingHttpHeaders; ip?: string } } },
        message: { payload?: unknown },
      ) {
        try {
          const address = this?.context?.request?.ip;
          if (address !== undefined) await self.options.rateLimits?.admitAddress(address);
          const headers = authHeaders(message.payload, this?.context?.request?.headers);
          const caller = await self.options.resolveAuth(headers).catch((error: unknown) => {
            const origin = { ip: address ?? null, requestId: null, transport: 'websocket', credential: credentialKind(headers) };
            const entry = credentialFailureEntry(error, origin);
            if (entry) self.options.audit?.record(entry);
            throw error;
          });
          await self.options.rateLimits?.admitCaller(caller);
          // The connection lives as long as its credentials: expired, or an API key revoked, and it is closed (4401).
          const socket = this?.socket;
          if (socket) {
            const stop = watchCredentialLifetime(caller, self.options.apiKeys, (lapsed) => {
              socket.close(CLOSE_CODES.unauthenticated, closeReason(`${lapsed.code}: ${lapsed.message}`));
            });
            socket.once('close', stop);
          }
          return { fraiseqlCaller: caller };
        } catch (error) {
          const e = toFraiseqlError(error);
          const code = e.code === 'FRAISEQL_RATE_LIMITED' ? CLOSE_CODES.rateLimited : CLOSE_CODES.unauthenticated;
          this?.socket?.close(code, closeReason(`${e.code}: ${e.message}`));
          return false;
        }
      },
    };
  }

  /** Gives the schema's Subscription fields their subscribe/resolve functions (in place; after every schema swap). */
  attach(schema: GraphQLSchema): void {
    const root: GraphQLObjectType | null | undefined = schema.getSubscriptionType();
    if (!root) return;
    for (const field of Object.values(root.getFields())) {
      field.subscribe = this.subscribe;
      field.resolve = (payload: unknown) => payload;
    }
  }

  /** Completes every subscription and closes every WebSocket (gateway shutdown). */
  closeAll(): void {
    for (const connection of this.connections) {
      for (const feed of connection.feeds) feed.end();
      connection.socket.close(CLOSE_CODES.shutdown, 'gateway shutting down');
    }
    this.connections.clear();
  }

  get activeCount(): number {
    return this.active;
  }

  private readonly subscribe: GraphQLFieldResolver<unknown, ConnectionContext> = async (_root, args, context, info) => {
    try {
      return await this.open(args, context, info);
    } catch (error) {
      const code = error instanceof GraphqlRequestError ? error.code : toFraiseqlError(error).code;
      this.refused.inc({ code });
      if (error instanceof GraphQLError) throw error;
      if (error instanceof GraphqlRequestError) {
        const first = error.errors[0];
        throw graphqlError(code, first?.message ?? error.message, first?.extensions as Record<string, unknown> | undefined);
      }
      const e = toFraiseqlError(error);
      if (e.code === 'FRAISEQL_INTERNAL') this.options.logger.error({ err: error }, 'unexpected failure while opening a subscription');
      throw graphqlError(e.code, e.message, e.details);
    }
  };

  private async open(
    args: Record<string, unknown>,
    context: ConnectionContext,
    info: Parameters<GraphQLFieldResolver<unknown, unknown>>[3],
  ): Promise<ChangeFeed> {
    const connection = context.fraiseqlConnection;
    const planner = this.options.planner();
    if (!planner) throw new FraiseqlError('FRAISEQL_SCHEMA_UNAVAILABLE', 'The gateway has no compiled schema loaded yet; retry shortly');
    // mercurius does not validate subscription documents: the planner does, with its limits.
    const prepared = planner.prepare({ query: context.__currentQuery ?? '', operationName: info.operation.name?.value ?? null });

    const caller = context.fraiseqlCaller ?? ANONYMOUS_CALLER;
    await this.options.rateLimits?.admitCaller(caller);
    if (this.options.queryLimits) admitQueryLimits(this.options.queryLimits, planner, prepared, info.variableValues, caller);
    const spec = this.feedSpec(planner, args, caller, info);
    if (connection.feeds.size >= this.options.maxPerConnection) {
      throw new FraiseqlError(
        'FRAISEQL_SUBSCRIPTION_LIMIT_EXCEEDED',
        `This connection already has ${this.options.maxPerConnection} subscriptions (FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION)`,
        { details: { limit: this.options.maxPerConnection, scope: 'connection' } },
      );
    }
    if (this.active >= this.options.maxTotal) {
      throw new FraiseqlError(
        'FRAISEQL_OVERLOADED',
        `The gateway has ${this.options.maxTotal} subscriptions open (FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS); retry later or on another gateway`,
        { details: { limit: this.options.maxTotal, scope: 'gateway' } },
      );
    }
    const socket = connection.socket;
    const id = context.id;
    // Counted before the await, so that concurrent subscribes cannot pass the limits together.
    this.active++;
    this.gauge.inc();
    let counted = true;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      this.active--;
      this.gauge.dec();
    };
    let feed: ChangeFeed;
    try {
      feed = await ChangeFeed.open<unknown>({
        js: this.options.js,
        ...spec,
        maxQueue: this.options.maxQueue,
        onEvent: (outcome, error) => {
          this.events.inc({ outcome });
          if (error) this.options.logger.warn({ err: error, subscription: spec.name }, 'malformed change event skipped');
        },
        onOverflow: () => this.disconnectSlow(socket, id, spec.name),
        onEnd: () => {
          release();
          connection.feeds.delete(feed);
        },
      });
    } catch (error) {
      release();
      throw error;
    }
    if (socket.readyState !== socket.OPEN) {
      feed.end();
      return feed;
    }
    connection.feeds.add(feed);
    return feed;
  }

  /**
   * What a subscription field reads: an entity's change events (docs/adr/0083-subscriptions.md), or a native
   * subscription (`jobChanged`: the lifecycle events of one job, docs/jobs.md). Either way the subject's org token
   * comes from the verified caller, never from the client's arguments.
   */
  private feedSpec(
    planner: QueryPlanner,
    args: Record<string, unknown>,
    caller: Caller,
    info: Parameters<GraphQLFieldResolver<unknown, unknown>>[3],
  ): FeedSpec {
    const subscription = planner.compiled.subscriptions?.find((s) => s.name === info.fieldName);
    if (subscription) {
      const entity = planner.compiled.types.find((t) => t.name === subscription.entityType);
      const tenantScoped = entity?.tenantScoped !== false;
      const orgId = tenantScoped ? requireOrg(caller, `Subscribing to ${subscription.entityType}`) : null;
      // The read rules (docs/adr/0136-authorization-in-the-plan.md): refused here, at subscribe; masked fields null in every change.
      const matches = compileWhereMatcher(planner.compiled, subscription.entityType, args.where, caller.roles);
      const operations = new Set<string>(
        Array.isArray(args.operations) && args.operations.length > 0 ? (args.operations as string[]) : CHANGE_OPERATIONS,
      );
      const project = compileChangeProjector(planner.compiled, subscription, {
        fieldNodes: info.fieldNodes,
        fragments: info.fragments,
        variables: info.variableValues,
        callerRoles: caller.roles,
      });
      return {
        name: subscription.name,
        stream: STREAMS.events,
        subject: eventFilterSubject({ orgId, entityType: subscription.entityType }),
        decode: decodeEntityEvent,
        accepts: (event) => operations.has((event as EntityEvent).event_type) && matches((event as EntityEvent).data),
        project: (event) => project(event as EntityEvent),
      };
    }
    const native = planner.compiled.nativeFields?.find((f) => f.operation === 'subscription' && f.name === info.fieldName);
    if (native?.resolver === JOB_API_SURFACE.resolvers.changed) {
      const orgId = requireOrg(caller, 'Following a job');
      const jobId = args.id;
      return {
        name: native.name,
        stream: STREAMS.jobs,
        subject: jobFilterSubject({ orgId }),
        decode: decodeJobLifecycleEvent,
        accepts: (event) => (event as JobLifecycleEvent).job_id === jobId,
        project: (event) => jobChange(event as JobLifecycleEvent),
      };
    }
    throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `Subscription.${info.fieldName} is not served by this gateway.`);
  }

  /**
   * The subscriber's queue is full: its socket does not take messages as fast as events arrive.
   * It gets an `error` message for the operation and the close code 4429, both written behind
   * what is already buffered; every other subscription of the connection ends with the socket.
   */
  private disconnectSlow(socket: WebSocket, id: string | number | undefined, name: string): void {
    this.slowDisconnects.inc();
    const message = `The subscriber did not keep up: more than ${this.options.maxQueue} events were waiting for the socket (FRAISEQL_GATEWAY_SUBSCRIPTION_MAX_QUEUE)`;
    this.options.logger.warn({ subscription: name, maxQueue: this.options.maxQueue }, 'slow subscriber disconnected');
    if (socket.readyState !== socket.OPEN) return;
    socket.send(
      JSON.stringify({
        type: 'error',
        id,
        payload: [{ message, extensions: { code: 'FRAISEQL_SUBSCRIBER_TOO_SLOW', maxQueue: this.options.maxQueue } }],
      }),
    );
    socket.close(CLOSE_CODES.tooSlow, closeReason(`FRAISEQL_SUBSCRIBER_TOO_SLOW: more than ${this.options.maxQueue} events queued`));
  }
}

/** The auth headers of a connection: connection_init payload (or its `headers`) first, then the upgrade request's. */
function authHeaders(payload: unknown, upgrade: IncomingHttpHeaders | undefined): IncomingHttpHeaders {
  const source =
    typeof payload === 'object' && payload !== null
      ? (payload as { headers?: unknown }).headers && typeof (payload as { headers?: unknown }).headers === 'object'
        ? (payload as { headers: object }).headers
        : payload
      : {};
  const given = new Map(Object.entries(source).map(([k, v]) => [k.toLowerCase(), v]));
  const headers: IncomingHttpHeaders = {};
  for (const key of AUTH_KEYS) {
    const value = given.has(key) ? given.get(key) : upgrade?.[key];
    if (typeof value === 'string') headers[key] = value;
  }
  return headers;
}

/** A close reason fits in 123 bytes (RFC 6455). */
function closeReason(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= 123
    ? text
    : bytes
        .subarray(0, 120)
        .toString('utf8')
        .replace(/\uFFFD+$/, '') + '...';
}
