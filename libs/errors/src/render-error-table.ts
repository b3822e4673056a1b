import { ERROR_CODES, GrpcStatus } from './codes';

const GRPC_NAMES = Object.fromEntries(Object.entries(GrpcStatus).map(([name, value]) => [value, name]));

/** The Markdown table of every error code, as docs/errors.md shows it (kept in step by a test). */
export function renderErrorCodeTable(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, spec]) => `| \`${code}\` | ${spec.http} | ${GRPC_NAMES[spec.grpc]} | ${spec.summary.replace(/\|/g, '\\|')} |`,
  );
  return ['| code (`extensions.code`) | HTTP | gRPC | meaning and what to do |', '|---|---|---|---|', ...rows].join('\n');
}
