import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';
import { configValue, defineConfig, loadConfig, servicePrefix } from '../src';

const gateway = defineConfig({
  service: 'gateway',
  schema: z.object({
    FRAISEQL_GATEWAY_PORT: configValue.port().default(4000),
    FRAISEQL_GATEWAY_MAX_IN_FLIGHT: configValue.positiveInt().default(256),
    FRAISEQL_GATEWAY_TIMEOUT_MS: configValue.durationMs().default(5000),
    FRAISEQL_GATEWAY_INTROSPECTION: configValue.boolean().default(false),
    FRAISEQL_GATEWAY_JWKS_URL: configValue.url({ protocols: ['http', 'https'] }).optional(),
    FRAISEQL_GATEWAY_CORS_ORIGINS: configValue.list().default([]),
  }),
});

function configError(run: () => unknown): FraiseqlError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FraiseqlError);
    expect((error as FraiseqlError).code).toBe('FRAISEQL_CONFIG_INVALID');
    return error as FraiseqlError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeFile = (content: unknown): string => {
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  it('fills common and service defaults when nothing is set', () => {
    const config = loadConfig(gateway, { env: {} });
    expect(config).toEqual({
      FRAISEQL_ENV: 'production',
      FRAISEQL_LOG_LEVEL: 'info',
      FRAISEQL_LOG_PRETTY: false,
      FRAISEQL_NATS_URL: 'nats://127.0.0.1:4222',
      FRAISEQL_SHUTDOWN_DEADLINE_MS: 10_000,
      FRAISEQL_GATEWAY_PORT: 4000,
      FRAISEQL_GATEWAY_MAX_IN_FLIGHT: 256,
      FRAISEQL_GATEWAY_TIMEOUT_MS: 5000,
      FRAISEQL_GATEWAY_INTROSPECTION: false,
      FRAISEQL_GATEWAY_CORS_ORIGINS: [],
    });
  });

  it('parses each value type from environment strings', () => {
    const config = loadConfig(gateway, {
      env: {
        FRAISEQL_ENV: 'development',
        FRAISEQL_LOG_LEVEL: 'debug',
        FRAISEQL_SHUTDOWN_DEADLINE_MS: '30s',
        FRAISEQL_GATEWAY_PORT: '8080',
        FRAISEQL_GATEWAY_MAX_IN_FLIGHT: '10',
        FRAISEQL_GATEWAY_TIMEOUT_MS: '2m',
        FRAISEQL_GATEWAY_INTROSPECTION: '1',
        FRAISEQL_GATEWAY_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
        FRAISEQL_GATEWAY_CORS_ORIGINS: 'https://a.example, https://b.example,,',
      },
    });
    expect(config.FRAISEQL_ENV).toBe('development');
    expect(config.FRAISEQL_LOG_LEVEL).toBe('debug');
    expect(config.FRAISEQL_SHUTDOWN_DEADLINE_MS).toBe(30_000);
    expect(config.FRAISEQL_GATEWAY_PORT).toBe(8080);
    expect(config.FRAISEQL_GATEWAY_MAX_IN_FLIGHT).toBe(10);
    expect(config.FRAISEQL_GATEWAY_TIMEOUT_MS).toBe(120_000);
    expect(config.FRAISEQL_GATEWAY_INTROSPECTION).toBe(true);
    expect(config.FRAISEQL_GATEWAY_JWKS_URL).toBe('https://auth.example.com/.well-known/jwks.json');
    expect(config.FRAISEQL_GATEWAY_CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });

  it('names a bad value with what was expected and what was given', () => {
    const error = configError(() => loadConfig(gateway, { env: { FRAISEQL_GATEWAY_PORT: 'abc' } }));
    expect(error.message).toContain('FRAISEQL_GATEWAY_PORT: expected a number from 1 to 65535, got "abc"');
  });

  it('names an unknown env var under the service prefix, with a suggestion', () => {
    const error = configError(() => loadConfig(gateway, { env: { FRAISEQL_GATEWAY_PROT: '8080' } }));
    expect(error.message).toContain('unknown key FRAISEQL_GATEWAY_PROT');
    expect(error.message).toContain('did you mean FRAISEQL_GATEWAY_PORT?');
  });

  it('reports every bad key at once, not only the first', () => {
    const error = configError(() =>
      loadConfig(gateway, {
        env: {
          FRAISEQL_GATEWAY_PORT: '70000',
          FRAISEQL_GATEWAY_INTROSPECTION: 'yes',
          FRAISEQL_LOG_LEVEL: 'loud',
          FRAISEQL_GATEWAY_JWKS_URL: 'ftp://x',
          FRAISEQL_GATEWAY_BOGUS: 'x',
        },
      }),
    );
    expect(error.message).toContain('FRAISEQL_GATEWAY_PORT: expected a number from 1 to 65535, got "70000"');
    expect(error.message).toContain('FRAISEQL_GATEWAY_INTROSPECTION: expected one of true, false, 1, 0, got "yes"');
    expect(error.message).toMatch(/FRAISEQL_LOG_LEVEL: .*got "loud"/);
    expect(error.message).toContain('FRAISEQL_GATEWAY_JWKS_URL: expected a URL with scheme http, https, got "ftp://x"');
    expect(error.message).toContain('unknown key FRAISEQL_GATEWAY_BOGUS');
    const problems = (error.details as { problems: { key: string }[] }).problems.map((p) => p.key).sort();
    expect(problems).toEqual([
      'FRAISEQL_GATEWAY_BOGUS',
      'FRAISEQL_GATEWAY_INTROSPECTION',
      'FRAISEQL_GATEWAY_JWKS_URL',
      'FRAISEQL_GATEWAY_PORT',
      'FRAISEQL_LOG_LEVEL',
    ]);
  });

  it("ignores other services' keys and unrelated variables in the environment", () => {
    const config = loadConfig(gateway, { env: { FRAISEQL_QUERY_EXECUTOR_POOL_SIZE: '10', PATH: '/usr/bin', FRAISEQL_GATEWAY_PORT: '' } });
    expect(config.FRAISEQL_GATEWAY_PORT).toBe(4000);
  });

  it('uses the prefix of a hyphenated service name', () => {
    expect(servicePrefix('query-executor')).toBe('FRAISEQL_QUERY_EXECUTOR_');
    const executor = defineConfig({
      service: 'query-executor',
      schema: z.object({ FRAISEQL_QUERY_EXECUTOR_POOL_SIZE: configValue.positiveInt().default(10) }),
    });
    const error = configError(() => loadConfig(executor, { env: { FRAISEQL_QUERY_EXECUTOR_POOLSIZE: '3' } }));
    expect(error.message).toContain('unknown key FRAISEQL_QUERY_EXECUTOR_POOLSIZE');
  });

  it('layers env over the config file over defaults', () => {
    const path = writeFile({
      FRAISEQL_GATEWAY_PORT: 5000,
      FRAISEQL_GATEWAY_MAX_IN_FLIGHT: 64,
      FRAISEQL_LOG_LEVEL: 'warn',
      FRAISEQL_GATEWAY_CORS_ORIGINS: ['https://file.example'],
    });
    const config = loadConfig(gateway, { env: { FRAISEQL_CONFIG_FILE: path, FRAISEQL_GATEWAY_PORT: '6000' } });
    expect(config.FRAISEQL_GATEWAY_PORT).toBe(6000); // env wins over file
    expect(config.FRAISEQL_GATEWAY_MAX_IN_FLIGHT).toBe(64); // file wins over default
    expect(config.FRAISEQL_LOG_LEVEL).toBe('warn');
    expect(config.FRAISEQL_GATEWAY_CORS_ORIGINS).toEqual(['https://file.example']);
    expect(config.FRAISEQL_GATEWAY_TIMEOUT_MS).toBe(5000); // default
    expect(config.FRAISEQL_CONFIG_FILE).toBe(path);
  });

  it('reads the file named on the command line in preference to FRAISEQL_CONFIG_FILE', () => {
    const path = writeFile({ FRAISEQL_GATEWAY_PORT: 5001 });
    const config = loadConfig(gateway, { env: { FRAISEQL_CONFIG_FILE: join(dir, 'missing.json') }, argvFile: path });
    expect(config.FRAISEQL_GATEWAY_PORT).toBe(5001);
  });

  it('names an unknown key and a bad value found in the config file', () => {
    const path = writeFile({ FRAISEQL_GATEWAY_PROT: 5000, FRAISEQL_GATEWAY_MAX_IN_FLIGHT: 0 });
    const error = configError(() => loadConfig(gateway, { env: { FRAISEQL_CONFIG_FILE: path } }));
    expect(error.message).toContain(`unknown key FRAISEQL_GATEWAY_PROT (in config file ${path})`);
    expect(error.message).toContain('FRAISEQL_GATEWAY_MAX_IN_FLIGHT: expected an integer ≥ 1, got 0');
  });

  it('fails clearly when the config file is missing or not JSON', () => {
    const missing = configError(() => loadConfig(gateway, { env: { FRAISEQL_CONFIG_FILE: join(dir, 'nope.json') } }));
    expect(missing.message).toContain('FRAISEQL_CONFIG_FILE: cannot read JSON config file');
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{ not json');
    const bad = configError(() => loadConfig(gateway, { env: { FRAISEQL_CONFIG_FILE: path } }));
    expect(bad.message).toContain(`cannot read JSON config file ${path}`);
  });
});
