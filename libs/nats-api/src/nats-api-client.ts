import { FraiseqlError, isErrorCode } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { withRequestSpan, writeCallerHeaders } from '@fraiseql/nats-contract';
import { ErrorCode as NatsErrorCode, headers as natsHeaders, type MsgHdrs, type NatsConnection, type NatsError } from 'nats';
import {
  natsApiSubject,
  parseNatsApiRequest,
  type NatsApiDefinition,
  type NatsApiOperation,
  type NatsApiReply,
  type NatsApiRequest,
} from './nats-api';

export interface NatsApiClientOptions {
  /** How long to wait for the reply (default 10 s). */
  timeoutMs?: number;
}

export interface NatsApiCallOptions {
  /** Extra headers copied onto the request (the active trace context is added in any case). */
  headers?: MsgHdrs;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The caller's side of a NATS API. The request is validated here first (a bad one never leaves the process); the
 * service validates it again. A failure reply becomes a FraiseqlError with the service's code; nobody answering is
 * the definition's `unavailableCode`.
 */
export class NatsApiClient<Def extends NatsApiDefinition, Results extends { [Op in NatsApiOperation<Def>]: unknown }> {
  private readonly timeoutMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly definition: Def,
    options: NatsApiClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async call<Op extends NatsApiOperation<Def>>(
    operation: Op,
    request: NatsApiRequest<Def, Op>,
    caller: Caller,
    options: NatsApiCallOptions = {},
  ): Promise<Results[Op]> {
    const { definition } = this;
    const body = parseNatsApiRequest(definition, operation, request);
    const headers = natsHeaders();
    for (const [key, values] of options.headers ?? []) for (const value of values) headers.append(key, value);
    writeCallerHeaders(headers, caller);
    const subject = natsApiSubject(definition, operation);
    // The request carries this span's traceparent: the service's handling continues the caller's trace.
    const span = {
      tracer: '@fraiseql/nats-api',
      name: `${definition.name} ${operation}`,
      subject,
      attributes: { 'rpc.method': operation },
    };
    return withRequestSpan(span, headers, () => this.send<Op>(subject, body, headers));
  }

  private async send<Op extends NatsApiOperation<Def>>(subject: string, body: unknown, headers: MsgHdrs): Promise<Results[Op]> {
    const { definition } = this;
    let reply: NatsApiReply<Results[Op]>;
    try {
      const msg = await this.nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: this.timeoutMs, headers });
      reply = JSON.parse(decoder.decode(msg.data)) as NatsApiReply<Results[Op]>;
    } catch (error) {
      const code = (error as NatsError).code;
      if (code === NatsErrorCode.NoResponders || code === NatsErrorCode.Timeout) {
        throw new FraiseqlError(
          definition.unavailableCode,
          code === NatsErrorCode.NoResponders
            ? `No ${definition.service} is running`
            : `The ${definition.service} did not answer within ${this.timeoutMs} ms`,
          { cause: error },
        );
      }
      if (error instanceof SyntaxError)
        throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `The ${definition.service} replied with malformed JSON`, { cause: error });
      throw error;
    }
    if (reply.ok) return reply.result;
    const code = isErrorCode(reply.error.code) ? reply.error.code : 'FRAISEQL_INTERNAL';
    throw new FraiseqlError(code, reply.error.message, reply.error.details === undefined ? {} : { details: reply.error.details });
  }
}
