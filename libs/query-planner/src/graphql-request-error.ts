import { ERROR_CODES, FraiseqlError, type ErrorCode } from '@fraiseql/errors';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';

/**
 * A request the planner refuses as a whole (no `data`): parse and validation errors,
 * limits, bad variables, arguments, cursors and page sizes. Each error carries
 * `extensions.code`; `httpStatus` is the status of the first one.
 */
export class GraphqlRequestError extends Error {
  readonly errors: GraphQLFormattedError[];
  readonly httpStatus: number;
  /** The code of the first error. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, errors: GraphQLFormattedError[]) {
    super(errors[0]?.message ?? code);
    this.name = 'GraphqlRequestError';
    this.code = code;
    this.errors = errors;
    this.httpStatus = ERROR_CODES[code].http;
  }

  static of(code: ErrorCode, message: string, details?: Record<string, unknown>): GraphqlRequestError {
    return new GraphqlRequestError(code, [{ message, extensions: { ...details, code } }]);
  }

  static fromFraiseql(error: FraiseqlError): GraphqlRequestError {
    return new GraphqlRequestError(error.code, [{ message: error.message, extensions: error.toExtensions() }]);
  }

  /** graphql-js errors (parse, validation, variable coercion) under one code. */
  static fromGraphql(code: ErrorCode, errors: readonly GraphQLError[]): GraphqlRequestError {
    return new GraphqlRequestError(
      code,
      errors.map((e) => {
        const formatted: GraphQLFormattedError = { message: e.message };
        const out = formatted as { locations?: unknown; extensions?: unknown };
        if (e.locations) out.locations = e.locations;
        out.extensions = { ...e.extensions, code };
        return formatted;
      }),
    );
  }
}

/** The response body of a refused request: `{"errors":[...]}`. */
export function formatErrorBody(errors: GraphQLFormattedError[]): string {
  return JSON.stringify({ errors });
}
