import { FraiseqlError, type ErrorCode } from '@fraiseql/errors';
import type { ZodTypeAny, z } from 'zod';

/**
 * A request/reply API over NATS: each operation is the subject `<subjectPrefix>.<operation>` (one token of
 * lower-case words joined by `-`), answered by one member of `queueGroup`. The body is JSON validated against the
 * operation's zod schema on both sides; the caller (subject, org, roles) travels in the caller headers.
 */
export interface NatsApiDefinition<Requests extends Record<string, ZodTypeAny> = Record<string, ZodTypeAny>> {
  /** How messages name it: `job API`, `search API`. */
  name: string;
  /** Who answers, in messages: `job-runner`, `sink`. */
  service: string;
  subjectPrefix: string;
  queueGroup: string;
  requests: Requests;
  /** The code of "nobody answered" (no responder, or no reply in time): retryable for the caller. */
  unavailableCode: ErrorCode;
}

export type NatsApiOperation<Def extends NatsApiDefinition> = keyof Def['requests'] & string;
export type NatsApiRequest<Def extends NatsApiDefinition, Op extends NatsApiOperation<Def>> = z.infer<Def['requests'][Op]>;

/** The reply envelope: JSON, `ok` tells which half is there. */
export type NatsApiReply<Result> =
  { ok: true; result: Result } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

const OPERATION = /^[a-z]+(?:-[a-z]+)*$/;

/** Checks the definition once (operation names must be single subject tokens). */
export function defineNatsApi<Requests extends Record<string, ZodTypeAny>>(
  definition: NatsApiDefinition<Requests>,
): NatsApiDefinition<Requests> {
  for (const operation of Object.keys(definition.requests)) {
    if (!OPERATION.test(operation)) throw new Error(`${definition.name}: operation ${JSON.stringify(operation)} is not one subject token`);
  }
  return Object.freeze(definition);
}

export function isNatsApiOperation<Def extends NatsApiDefinition>(definition: Def, value: string): value is NatsApiOperation<Def> {
  return Object.prototype.hasOwnProperty.call(definition.requests, value);
}

/** `<subjectPrefix>.<operation>`; an unknown operation is FRAISEQL_BAD_MESSAGE. */
export function natsApiSubject<Def extends NatsApiDefinition>(definition: Def, operation: string): string {
  if (!isNatsApiOperation(definition, operation))
    throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Not a ${definition.name} operation: ${JSON.stringify(operation)}`);
  return `${definition.subjectPrefix}.${operation}`;
}

/** Validates a request body; anything wrong is FRAISEQL_BAD_REQUEST naming the field (`request.first: …`). */
export function parseNatsApiRequest<Def extends NatsApiDefinition, Op extends NatsApiOperation<Def>>(
  definition: Def,
  operation: Op,
  body: unknown,
): NatsApiRequest<Def, Op> {
  const parsed = (definition.requests[operation] as ZodTypeAny).safeParse(body);
  if (parsed.success) return parsed.data as NatsApiRequest<Def, Op>;
  const issues = parsed.error.issues;
  const pathOf = (path: (string | number)[]): string => ['request', ...path].join('.');
  const path = pathOf(issues[0]!.path);
  throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `${path}: ${issues[0]!.message}`, {
    details: { path, problems: issues.map((i) => ({ path: pathOf(i.path), message: i.message })) },
  });
}
