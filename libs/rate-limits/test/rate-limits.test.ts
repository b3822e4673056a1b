import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { ANONYMOUS_CALLER, type Caller } from '@fraiseql/identity';
import { createLogger } from '@fraiseql/service-kit';
import { RateLimitedError, RateLimits, type RateLimitsOptions } from '../src';

// The limiter itself against the shared Redis on 6379, under a key prefix of each test's own.

const REDIS = 'redis://127.0.0.1:6379';
const ORG = '00000000-0000-4000-8000-00000000000a';

describe('RateLimits (real Redis)', () => {
  let redis: Redis;
  const opened: RateLimits[] = [];
  const prefixes: string[] = [];

  beforeAll(() => {
    redis = new Redis(REDIS);
  });

  afterEach(async () => {
    for (const limits of opened.splice(0)) await limits.close();
    for (const prefix of prefixes.splice(0)) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });

  afterAll(() => redis.disconnect());

  async function open(options: Partial<RateLimitsOptions>): Promise<{ limits: RateLimits; prefix: string; registry: Registry }> {
    const prefix = `fraiseql-test:rl-lib:${randomUUID()}`;
    prefixes.push(prefix);
    const registry = new Registry();
    const limits = await RateLimits.open(
      { redisUrl: REDIS, keyPrefix: prefix, ...options },
      { logger: createLogger({ service: 'test', level: 'silent' }), registry },
    );
    opened.push(limits);
    return { limits, prefix, registry };
  }

  /** How many of `n` admissions pass. */
  async function admitted(n: number, admit: () => Promise<void>): Promise<number> {
    let passed = 0;
    for (let i = 0; i < n; i++) {
      try {
        await admit();
        passed++;
      } catch (error) {
        expect(error).toBeInstanceOf(RateLimitedError);
      }
    }
    return passed;
  }

  it('counts an API key against the API key allowance, apart from the principal allowance of JWT callers', async () => {
    const { limits, prefix } = await open({ principal: { requests: 2, windowS: 60 }, apiKey: { requests: 5, windowS: 60 } });
    const key: Caller = { subject: 'apikey:k-123', orgId: ORG, roles: [] };
    const person: Caller = { subject: 'k-123', orgId: ORG, roles: [] };
    expect(await admitted(8, () => limits.admitCaller(key))).toBe(5);
    expect(await admitted(4, () => limits.admitCaller(person))).toBe(2);
    expect(await redis.get(`${prefix}:api_key:k-123`)).toBe('8');
    expect(await redis.get(`${prefix}:principal:${ORG}:k-123`)).toBe('4');
  });

  it('counts the same subject in two orgs as two principals, and never counts an anonymous caller by principal', async () => {
    const { limits } = await open({ principal: { requests: 1, windowS: 60 } });
    const other = '00000000-0000-4000-8000-00000000000b';
    await limits.admitCaller({ subject: 'sam', orgId: ORG, roles: [] });
    await limits.admitCaller({ subject: 'sam', orgId: other, roles: [] });
    await expect(limits.admitCaller({ subject: 'sam', orgId: ORG, roles: [] })).rejects.toMatchObject({
      code: 'FRAISEQL_RATE_LIMITED',
      limiter: 'principal',
      details: { limiter: 'principal', retryAfterSeconds: expect.any(Number) },
    });
    expect(await admitted(5, () => limits.admitCaller(ANONYMOUS_CALLER))).toBe(5);
  });

  it('a role rate of 0 lifts the limit for the role, and 0 requests turns a limiter off', async () => {
    const { limits } = await open({ principal: { requests: 1, windowS: 60 }, ip: { requests: 0, windowS: 60 }, roleRates: { service: 0 } });
    expect(await admitted(10, () => limits.admitCaller({ subject: 'robot', orgId: ORG, roles: ['service'] }))).toBe(10);
    expect(await admitted(10, () => limits.admitAddress('192.0.2.1'))).toBe(10);
    expect(await admitted(3, () => limits.admitCaller({ subject: 'human', orgId: ORG, roles: ['staff'] }))).toBe(1);
  });

  it('does not connect to Redis when every limit is off', async () => {
    const { limits } = await open({ redisUrl: 'redis://127.0.0.1:1', principal: { requests: 0, windowS: 1 } });
    expect(limits.storeUp).toBeUndefined();
    await limits.admitCaller({ subject: 'x', orgId: ORG, roles: [] });
  });
});
