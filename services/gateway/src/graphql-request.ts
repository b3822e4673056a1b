import { FraiseqlError } from '@fraiseql/errors';

/** The GraphQL-over-HTTP request parameters. */
export interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
}

/** Reads the parameters of a POST body (already JSON-decoded) or a GET query string. */
export function readGraphqlRequest(method: string, source: unknown): GraphqlRequest {
  if (source === null || typeof source !== 'object' || Array.isArray(source))
    throw badRequest('The request must be a JSON object with a "query"');
  const params = source as Record<string, unknown>;
  const fromQueryString = method === 'GET';
  const query = params.query;
  if (typeof query !== 'string' || query.trim().length === 0) throw badRequest('The request has no "query"');
  const operationName = params.operationName;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    throw badRequest('"operationName" must be a string');
  let variables = params.variables;
  if (fromQueryString && typeof variables === 'string') variables = parseJson(variables, 'variables');
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    throw badRequest('"variables" must be a JSON object');
  }
  if (fromQueryString && typeof params.extensions === 'string') parseJson(params.extensions, 'extensions');
  return {
    query,
    variables: (variables as Record<string, unknown> | null | undefined) ?? null,
    operationName: operationName === '' ? null : ((operationName as string | null | undefined) ?? null),
  };
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`"${name}" is not valid JSON`);
  }
}

function badRequest(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_REQUEST', message);
}
