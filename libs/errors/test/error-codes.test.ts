import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, FraiseqlError, GrpcStatus, isErrorCode, renderErrorCodeTable, UnrecoverableError } from '@fraiseql/errors';

describe('error codes', () => {
  it('documents every code in docs/errors.md exactly as the code table defines it', () => {
    const docs = readFileSync(join(__dirname, '../../../docs/errors.md'), 'utf8');
    expect(docs).toContain(renderErrorCodeTable());
  });

  it('maps every code to an HTTP status and a gRPC status', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(spec.http).toBeGreaterThanOrEqual(400);
      expect(Object.values(GrpcStatus)).toContain(spec.grpc);
      expect(spec.summary.length).toBeGreaterThan(10);
      expect(isErrorCode(code)).toBe(true);
    }
    expect(isErrorCode('NOPE')).toBe(false);
  });

  it('round-trips an error through JSON with its code, message and details', () => {
    const error = new FraiseqlError('FRAISEQL_INVALID_CURSOR', 'bad cursor', { details: { argument: 'after' } });
    const copy = FraiseqlError.fromJSON(JSON.parse(JSON.stringify(error)));
    expect(copy.code).toBe('FRAISEQL_INVALID_CURSOR');
    expect(copy.message).toBe('bad cursor');
    expect(copy.toExtensions()).toEqual({ code: 'FRAISEQL_INVALID_CURSOR', argument: 'after' });
    expect(copy.httpStatus).toBe(400);
    expect(copy.grpcStatus).toBe(GrpcStatus.INVALID_ARGUMENT);
  });

  it('marks a permanent failure with UnrecoverableError, FRAISEQL_PERMANENT_FAILURE unless another code is given', () => {
    const plain = new UnrecoverableError('the webhook URL is invalid', { details: { rule: 'r1' } });
    expect(plain).toBeInstanceOf(FraiseqlError);
    expect(plain.code).toBe('FRAISEQL_PERMANENT_FAILURE');
    expect(plain.details).toEqual({ rule: 'r1' });
    expect(new UnrecoverableError('bad payload', { code: 'FRAISEQL_BAD_MESSAGE' }).code).toBe('FRAISEQL_BAD_MESSAGE');
  });
});
