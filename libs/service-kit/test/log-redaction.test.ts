import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLines, startServiceProcess, waitFor, type ServiceProcess } from '@fraiseql/testkit';
import { createLogger, maskUrlPasswords } from '../src';

const CHILD = join(__dirname, 'fixtures', 'redaction-child.ts');

describe('createLogger redaction (lines read back from the real pino logger)', () => {
  const read = (redactValues: string[] = []) => {
    const out = captureLines();
    return { logger: createLogger({ service: 'demo', destination: out.destination, redactValues }), lines: out.lines };
  };

  it('censors credential headers of requests and responses, keeping the other headers', () => {
    const { logger, lines } = read();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer tok-123456', 'proxy-authorization': 'Basic cHJveHk6cGFzcw==', host: 'api.local' } },
        res: { headers: { 'set-cookie': 'sid=abc123456', 'content-type': 'application/json' } },
        headers: { 'x-api-key': 'fqk_live_abcdef', cookie: 'sid=abc123456' },
      },
      'request',
    );
    const line = JSON.parse(lines()[0]!);
    expect(line.req.headers).toEqual({ authorization: '[REDACTED]', 'proxy-authorization': '[REDACTED]', host: 'api.local' });
    expect(line.res.headers).toEqual({ 'set-cookie': '[REDACTED]', 'content-type': 'application/json' });
    expect(line.headers).toEqual({ 'x-api-key': '[REDACTED]', cookie: '[REDACTED]' });
  });

  it('masks the password of any URL in a line — message, field, error message and stack — keeping user, host and path', () => {
    const { logger, lines } = read();
    const url = 'postgres://app:s3cr3t-pw@db.internal:5432/shop';
    logger.error({ err: new Error(`connect ${url} failed`), target: url, redis: 'redis://:r3dis-pw@cache:6379/0' }, `cannot reach ${url}`);
    const text = lines()[0]!;
    expect(text).not.toContain('s3cr3t-pw');
    expect(text).not.toContain('r3dis-pw');
    const line = JSON.parse(text);
    expect(line.msg).toBe('cannot reach postgres://app:[REDACTED]@db.internal:5432/shop');
    expect(line.target).toBe('postgres://app:[REDACTED]@db.internal:5432/shop');
    expect(line.redis).toBe('redis://:[REDACTED]@cache:6379/0');
    expect(line.err.message).toBe('connect postgres://app:[REDACTED]@db.internal:5432/shop failed');
    expect(line.err.stack).toContain('postgres://app:[REDACTED]@db.internal:5432/shop');
    // No password, nothing masked: a port or a path with "@" is not a password.
    expect(maskUrlPasswords('nats://127.0.0.1:4222 and http://h:8080/a@b')).toBe('nats://127.0.0.1:4222 and http://h:8080/a@b');
  });

  it('masks a JWT, a signed download link and the secret half of an API key quoted anywhere, keeping the key id', () => {
    const { logger, lines } = read();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
    const download = 'eyJqb2JJZCI6ImoxIn0.aG1hYy1vZi10aGUtY2xhaW1z';
    const apiKey = `fqk_0123456789abcdef_${'A'.repeat(43)}`;
    logger.warn({ detail: `token ${jwt} refused`, path: `/v1/exports/${download}` }, `API key ${apiKey} refused`);
    const text = lines()[0]!;
    expect(text).not.toContain(jwt);
    expect(text).not.toContain('aG1hYy1vZi10aGUtY2xhaW1z');
    expect(text).not.toContain('A'.repeat(43));
    const line = JSON.parse(text);
    expect(line.msg).toBe('API key fqk_0123456789abcdef_[REDACTED] refused');
    expect(line.detail).toBe('token [REDACTED] refused');
    expect(line.path).toBe('/v1/exports/[REDACTED]');
  });

  it('replaces each configured secret value wherever it appears, also JSON-escaped, but not values too short to mask', () => {
    const quoted = 'key-with-"quote"-and-\\backslash';
    const { logger, lines } = read(['jwt-secret-0123456789abcdef', quoted, 'abc']);
    logger.warn(
      { nested: { deep: ['jwt-secret-0123456789abcdef'] }, quoted },
      'secret jwt-secret-0123456789abcdef in the message; abc stays',
    );
    const text = lines()[0]!;
    expect(text).not.toContain('jwt-secret-0123456789abcdef');
    expect(text).not.toContain(JSON.stringify(quoted).slice(1, -1));
    const line = JSON.parse(text);
    expect(line.msg).toBe('secret [REDACTED] in the message; abc stays');
    expect(line.nested.deep).toEqual(['[REDACTED]']);
    expect(line.quoted).toBe('[REDACTED]');
  });
});

describe('runService: the secrets of the config never reach stdout or stderr (real child process)', () => {
  const SIGNING_KEY = 'signing-key-from-a-mounted-secret-7f3a9c';
  const DB_PASSWORD = 'db-password-9c1e77';
  const BEARER = 'eyJhbGciOiJIUzI1NiJ9.client-bearer-token.sig';
  let dir: string;
  let child: ServiceProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-redaction-'));
    writeFileSync(join(dir, 'signing-key'), `${SIGNING_KEY}\n`);
    writeFileSync(join(dir, 'database-url'), `postgres://shop:${DB_PASSWORD}@127.0.0.1:5432/shop\n`);
  });
  afterEach(() => {
    if (child && child.child.exitCode === null) child.child.kill('SIGKILL');
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}) => ({
    FRAISEQL_REDACTION_DEMO_SIGNING_KEY_FILE: join(dir, 'signing-key'),
    FRAISEQL_REDACTION_DEMO_DATABASE_URL_FILE: join(dir, 'database-url'),
    FRAISEQL_REDACTION_DEMO_BEARER: BEARER,
    ...extra,
  });
  const leaks = (text: string): string[] =>
    [SIGNING_KEY, DB_PASSWORD, BEARER, 'fqk_demo_api_key_0123456789', 'cookie-session-value'].filter((s) => text.includes(s));

  it('masks headers, the connection string password and the *_FILE secret in every line, while the lines themselves are written', async () => {
    child = startServiceProcess(CHILD, env());
    await waitFor(() => child!.stdout().includes('redaction-demo started'), 20_000);
    const lines = child
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.find((l) => l.msg === 'request received')).toMatchObject({
      req: { method: 'POST', headers: { authorization: '[REDACTED]', 'x-api-key': '[REDACTED]', cookie: '[REDACTED]' } },
      res: { headers: { 'set-cookie': '[REDACTED]' } },
    });
    expect(lines.find((l) => l.level === 'error')).toMatchObject({
      msg: 'cannot connect to postgres://shop:[REDACTED]@127.0.0.1:5432/shop',
      databaseUrl: 'postgres://shop:[REDACTED]@127.0.0.1:5432/shop',
      err: { message: 'connection to postgres://shop:[REDACTED]@127.0.0.1:5432/shop refused' },
    });
    expect(lines.find((l) => l.level === 'warn')).toMatchObject({
      msg: 'signing with [REDACTED]',
      settings: { nested: { signing: '[REDACTED]' } },
    });
    expect(leaks(child.stdout() + child.stderr())).toEqual([]);
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('masks the secrets in the "failed to start" message on stderr', async () => {
    child = startServiceProcess(CHILD, env({ FRAISEQL_REDACTION_DEMO_FAIL_START: '1' }));
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toBe(
      'redaction-demo failed to start: cannot open postgres://shop:[REDACTED]@127.0.0.1:5432/shop with key [REDACTED]\n',
    );
  });
});
