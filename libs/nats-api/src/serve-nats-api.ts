import { FraiseqlError, toFraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { readCallerHeaders, withHandlerSpan } from '@fraiseql/nats-contract';
import type { Msg, NatsConnection, Subscription } from 'nats';
import {
  isNatsApiOperation,
  parseNatsApiRequest,
  type NatsApiDefinition,
  type NatsApiOperation,
  type NatsApiReply,
  type NatsApiRequest,
} from './nats-api';

/** One function per operation; each gets the validated request and the caller (org scope is the handler's job). */
export type NatsApiHandlers<Def extends NatsApiDefinition, Results extends { [Op in NatsApiOperation<Def>]: unknown }> = {
  [Op in NatsApiOperation<Def>]: (request: NatsApiRequest<Def, Op>, caller: Caller, msg: Msg) => Promise<Results[Op]>;
};

export interface ServeNatsApiOptions {
  /** Requests handled at once by this process; beyond it the reply is FRAISEQL_OVERLOADED (default 64). */
  maxInFlight?: number;
  /** Called with every failure that is not the caller's (FRAISEQL_INTERNAL), for the log. */
  onInternalError?: (error: unknown, operation: string) => void;
  /** Called when a request was answered, for metrics. */
  onReply?: (operation: string, code: string | null, seconds: number) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The service's side of a NATS API: one subscription on `<subjectPrefix>.>` in the definition's queue group (each
 * request reaches one replica). Every request is decoded, its caller read from the headers and its body validated
 * before a handler sees it; every outcome is a reply (`{ ok, result | error }`), never silence. Flush the connection
 * after it before telling anyone the service is up.
 */
export function serveNatsApi<Def extends NatsApiDefinition, Results extends { [Op in NatsApiOperation<Def>]: unknown }>(
  nc: NatsConnection,
  definition: Def,
  handlers: NatsApiHandlers<Def, Results>,
  options: ServeNatsApiOptions = {},
): Subscription {
  const maxInFlight = options.maxInFlight ?? 64;
  let inFlight = 0;
  const prefix = `${definition.subjectPrefix}.`;

  const failure = (error: FraiseqlError): NatsApiReply<never> => {
    const message = error.code === 'FRAISEQL_INTERNAL' ? `The ${definition.service} failed to answer (see its log)` : error.message;
    return {
      ok: false,
      error: { code: error.code, message, ...(error.details === undefined ? {} : { details: error.details as Record<string, unknown> }) },
    };
  };

  const handle = async (operation: string, msg: Msg): Promise<unknown> => {
    if (!isNatsApiOperation(definition, operation))
      throw new FraiseqlError('FRAISEQL_OPERATION_NOT_FOUND', `The ${definition.name} has no operation ${JSON.stringify(operation)}`);
    let body: unknown;
    try {
      body = msg.data.length === 0 ? {} : JSON.parse(decoder.decode(msg.data));
    } catch (cause) {
      throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `The ${definition.name} request is not UTF-8 JSON`, { cause });
    }
    const caller = readCallerHeaders(msg.headers);
    const request = parseNatsApiRequest(definition, operation, body);
    const handler = handlers[operation] as (request: unknown, caller: Caller, msg: Msg) => Promise<unknown>;
    return handler(request, caller, msg);
  };

  return nc.subscribe(`${prefix}>`, {
    queue: definition.queueGroup,
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      const operation = msg.subject.slice(prefix.length);
      const started = performance.now();
      const answer = (reply: NatsApiReply<unknown>): void => {
        options.onReply?.(operation, reply.ok ? null : reply.error.code, (performance.now() - started) / 1000);
        msg.respond(encoder.encode(JSON.stringify(reply)));
      };
      if (inFlight >= maxInFlight) {
        const message = `The ${definition.service} is answering ${maxInFlight} ${definition.name} requests already; retry shortly`;
        answer(failure(new FraiseqlError('FRAISEQL_OVERLOADED', message)));
        return;
      }
      inFlight++;
      // A SERVER span continued from the request's traceparent; the handler runs inside it (a job stores it).
      const span = {
        tracer: '@fraiseql/nats-api',
        name: `${definition.name} ${operation}`,
        subject: msg.subject,
        attributes: { 'rpc.method': operation },
      };
      void withHandlerSpan(span, msg.headers, () => handle(operation, msg))
        .then((result) => answer({ ok: true, result }))
        .catch((caught: unknown) => {
          const failed = toFraiseqlError(caught);
          if (failed.code === 'FRAISEQL_INTERNAL') options.onInternalError?.(caught, operation);
          answer(failure(failed));
        })
        .finally(() => inFlight--);
    },
  });
}
