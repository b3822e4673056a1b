import { FraiseqlError } from '@fraiseql/errors';

/** The body of a `fraiseql.v1.query` request, as the gateway sends it. */
export interface QueryRequest {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
}

/** Decodes and checks a request body; anything malformed is FRAISEQL_BAD_MESSAGE (never trust the network). */
export function decodeQueryRequest(data: Uint8Array): QueryRequest {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    throw badMessage('the body is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badMessage('the body must be a JSON object');
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query.length === 0) throw badMessage('"query" must be a non-empty string');
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    throw badMessage('"variables" must be an object or null');
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    throw badMessage('"operationName" must be a string or null');
  }
  return {
    query,
    variables: (variables as Record<string, unknown> | null | undefined) ?? null,
    operationName: (operationName as string | null | undefined) ?? null,
  };
}

function badMessage(reason: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed query request: ${reason}`);
}
