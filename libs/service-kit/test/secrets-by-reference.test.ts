import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';
import { configValue, defineConfig, loadConfig, secretValuesOf } from '../src';

const JWT_SECRET = 'jwt-secret-from-a-kubernetes-secret-0123456789';
const DB_PASSWORD = 'pg-pass-5f2e9c';

const demo = defineConfig({
  service: 'demo',
  schema: z.object({
    FRAISEQL_DEMO_PORT: configValue.port().default(4000),
    FRAISEQL_DEMO_JWT_SECRET: configValue.secret(z.string().min(32, 'must be at least 32 characters')).optional(),
    FRAISEQL_DEMO_DATABASE_URL: configValue
      .secret(configValue.url({ protocols: ['postgres', 'postgresql'] }))
      .default('postgres://demo@127.0.0.1:5432/demo'),
    FRAISEQL_DEMO_API_TOKEN: configValue.secret().optional(),
  }),
});

function problemsOf(run: () => unknown): { message: string; problems: { key: string; reason: string }[] } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FraiseqlError);
    expect((error as FraiseqlError).code).toBe('FRAISEQL_CONFIG_INVALID');
    const details = (error as FraiseqlError).details as { problems: { key: string; reason: string }[] };
    return { message: (error as Error).message, problems: details.problems };
  }
  throw new Error('expected loadConfig to throw');
}

describe('secrets by reference (<KEY>_FILE) and secret keys in loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const secretFile = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads a secret key from the file <KEY>_FILE names, without its one trailing newline', () => {
    const config = loadConfig(demo, {
      env: {
        FRAISEQL_DEMO_JWT_SECRET_FILE: secretFile('jwt', `${JWT_SECRET}\n`),
        FRAISEQL_DEMO_DATABASE_URL_FILE: secretFile('db-url', `postgres://demo:${DB_PASSWORD}@db:5432/demo\r\n`),
        FRAISEQL_DEMO_API_TOKEN_FILE: secretFile('token', 'token with a trailing blank line\n\n'),
      },
    });
    expect(config.FRAISEQL_DEMO_JWT_SECRET).toBe(JWT_SECRET);
    expect(config.FRAISEQL_DEMO_DATABASE_URL).toBe(`postgres://demo:${DB_PASSWORD}@db:5432/demo`);
    // Only one newline goes: a value may end with whitespace of its own.
    expect(config.FRAISEQL_DEMO_API_TOKEN).toBe('token with a trailing blank line\n');
    expect(Object.keys(config)).not.toContain('FRAISEQL_DEMO_JWT_SECRET_FILE');
  });

  it('accepts a <KEY>_FILE in the config file, and lets the environment value win over it', () => {
    const configFile = secretFile('config.json', JSON.stringify({ FRAISEQL_DEMO_JWT_SECRET_FILE: secretFile('jwt', JWT_SECRET) }));
    expect(loadConfig(demo, { env: { FRAISEQL_CONFIG_FILE: configFile } }).FRAISEQL_DEMO_JWT_SECRET).toBe(JWT_SECRET);
    const fromEnv = 'x'.repeat(40);
    expect(
      loadConfig(demo, { env: { FRAISEQL_CONFIG_FILE: configFile, FRAISEQL_DEMO_JWT_SECRET: fromEnv } }).FRAISEQL_DEMO_JWT_SECRET,
    ).toBe(fromEnv);
  });

  it('refuses a key given both as a value and as <KEY>_FILE in the environment', () => {
    const { problems } = problemsOf(() =>
      loadConfig(demo, { env: { FRAISEQL_DEMO_JWT_SECRET: JWT_SECRET, FRAISEQL_DEMO_JWT_SECRET_FILE: secretFile('jwt', JWT_SECRET) } }),
    );
    expect(problems).toEqual([
      { key: 'FRAISEQL_DEMO_JWT_SECRET', reason: 'set both FRAISEQL_DEMO_JWT_SECRET and FRAISEQL_DEMO_JWT_SECRET_FILE: give one of them' },
    ]);
  });

  it('refuses a missing, unreadable or empty secret file, naming the _FILE key and the path', () => {
    const unreadable = secretFile('unreadable', JWT_SECRET);
    chmodSync(unreadable, 0o000);
    const env = {
      FRAISEQL_DEMO_JWT_SECRET_FILE: join(dir, 'missing'),
      FRAISEQL_DEMO_DATABASE_URL_FILE: dir,
      FRAISEQL_DEMO_API_TOKEN_FILE: secretFile('empty', '\n'),
    };
    const { problems } = problemsOf(() => loadConfig(demo, { env }));
    expect(problems).toEqual([
      { key: 'FRAISEQL_DEMO_JWT_SECRET_FILE', reason: `cannot read secret file ${join(dir, 'missing')} (ENOENT)` },
      { key: 'FRAISEQL_DEMO_DATABASE_URL_FILE', reason: `cannot read secret file ${dir} (EISDIR)` },
      { key: 'FRAISEQL_DEMO_API_TOKEN_FILE', reason: `secret file ${join(dir, 'empty')} is empty` },
    ]);
    // Root reads any file: the permission case only means something for an ordinary user.
    if (process.getuid?.() !== 0) {
      const denied = problemsOf(() => loadConfig(demo, { env: { FRAISEQL_DEMO_JWT_SECRET_FILE: unreadable } }));
      expect(denied.problems).toEqual([{ key: 'FRAISEQL_DEMO_JWT_SECRET_FILE', reason: `cannot read secret file ${unreadable} (EACCES)` }]);
    }
  });

  it('never shows a bad secret value in the error, whether it came from the environment or a file', () => {
    const shortSecret = 'short-secret-value';
    const badUrl = `mysql://demo:${DB_PASSWORD}@db/demo`;
    const { message, problems } = problemsOf(() =>
      loadConfig(demo, { env: { FRAISEQL_DEMO_JWT_SECRET_FILE: secretFile('jwt', shortSecret), FRAISEQL_DEMO_DATABASE_URL: badUrl } }),
    );
    expect(problems).toEqual([
      {
        key: 'FRAISEQL_DEMO_JWT_SECRET',
        reason: 'must be at least 32 characters (value not shown: secret) (read from FRAISEQL_DEMO_JWT_SECRET_FILE)',
      },
      { key: 'FRAISEQL_DEMO_DATABASE_URL', reason: 'expected a URL with scheme postgres, postgresql (value not shown: secret)' },
    ]);
    expect(message).not.toContain(shortSecret);
    expect(message).not.toContain(DB_PASSWORD);
  });

  it('refuses a secret in the config file (a ConfigMap), but not a URL key without a password', () => {
    const configFile = secretFile(
      'config.json',
      JSON.stringify({ FRAISEQL_DEMO_JWT_SECRET: JWT_SECRET, FRAISEQL_DEMO_DATABASE_URL: 'postgres://demo@db:5432/demo' }),
    );
    const { message, problems } = problemsOf(() => loadConfig(demo, { env: { FRAISEQL_CONFIG_FILE: configFile } }));
    expect(problems).toEqual([
      {
        key: 'FRAISEQL_DEMO_JWT_SECRET',
        reason: `is a secret: give it in the environment or as FRAISEQL_DEMO_JWT_SECRET_FILE, not in config file ${configFile}`,
      },
    ]);
    expect(message).not.toContain(JWT_SECRET);
    const withPassword = secretFile(
      'config2.json',
      JSON.stringify({ FRAISEQL_DEMO_DATABASE_URL: `postgres://demo:${DB_PASSWORD}@db/demo` }),
    );
    expect(problemsOf(() => loadConfig(demo, { env: { FRAISEQL_CONFIG_FILE: withPassword } })).problems[0]!.key).toBe(
      'FRAISEQL_DEMO_DATABASE_URL',
    );
  });

  it('refuses <KEY>_FILE for a key that is not a secret, rather than ignoring it', () => {
    const { problems } = problemsOf(() => loadConfig(demo, { env: { FRAISEQL_DEMO_PORT_FILE: secretFile('port', '4001') } }));
    expect(problems).toEqual([
      {
        key: 'FRAISEQL_DEMO_PORT_FILE',
        reason:
          'FRAISEQL_DEMO_PORT is not a secret key: give its value (in the environment or the config file); only secret keys take _FILE',
      },
    ]);
  });

  it('gives the logger the secret values: whole secrets, and of URLs only the password (as written and decoded)', () => {
    const config = loadConfig(demo, {
      env: {
        FRAISEQL_DEMO_JWT_SECRET: JWT_SECRET,
        FRAISEQL_DEMO_DATABASE_URL: 'postgres://demo:p%40ss%2Fword@db/demo',
        FRAISEQL_NATS_URL: 'nats://127.0.0.1:4222',
      },
    });
    expect(secretValuesOf(demo, config).sort()).toEqual([JWT_SECRET, 'p%40ss%2Fword', 'p@ss/word'].sort());
  });
});
