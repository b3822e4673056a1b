import { Counter, type Registry } from 'prom-client';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { API_KEY_SUBJECT_PREFIX } from '@fraiseql/auth';
import type { Caller } from '@fraiseql/identity';
import type { Logger } from '@fraiseql/service-kit';
import { RateLimitedError, retryAfterSeconds, type RateLimiterName } from './rate-limited-error';
import { RateLimitStore } from './rate-limit-store';

/** Every value of the `limiter` label. */
const RATE_LIMITER_NAMES: readonly RateLimiterName[] = ['ip', 'principal', 'api_key', 'streams_per_principal', 'rows_per_ticket'];

/** `requests` per `windowS` seconds; 0 requests = no limit. */
export interface RateLimitRule {
  requests: number;
  windowS: number;
}

export interface RateLimitsOptions {
  /** FRAISEQL_REDIS_URL: where the counters are shared by every replica. */
  redisUrl: string;
  /** Prefix of every counter key (tests use their own). */
  keyPrefix: string;
  /** A Redis command slower than this counts as an outage. Default 200 ms. */
  redisTimeoutMs?: number;
  /** Per client address, before authentication (absent: none). */
  ip?: RateLimitRule;
  /** Per principal: a JWT subject within its org (absent: none). */
  principal?: RateLimitRule;
  /** Per API key: callers whose subject is `apikey:<keyId>` (absent: none). */
  apiKey?: RateLimitRule;
  /** Role → requests per second, replacing the principal/API key default for callers holding the role (0 = unlimited). */
  roleRates?: Readonly<Record<string, number>>;
}

/** A refusal, as the audit log (docs/adr/0137) will record it. */
export interface RateLimitedEvent {
  limiter: RateLimiterName;
  /** What was counted: the address, `<org>:<subject>`, or the API key id. */
  key: string;
  caller: Caller | null;
  retryAfterMs: number;
}

export interface RateLimitsDeps {
  logger: Logger;
  registry: Registry;
  /** Called on every refusal (after the metric is counted); must not throw. */
  onRateLimited?: (event: RateLimitedEvent) => void;
}

/** How long `open` waits for Redis before serving with the in-memory limits. */
const CONNECT_WAIT_MS = 2000;

/** The insurance of a Redis limiter: the same allowance, counted in this process while Redis is unreachable. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: { keyPrefix: string; points: number; duration: number },
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}

/**
 * The request rate limits of a service (docs/adr/0133-rate-limits.md): fixed windows counted in Redis by
 * rate-limiter-flexible, per client address (before authentication), per principal and per API key, with per-role
 * overrides. While Redis is unreachable every replica counts on its own, in memory: the limits still hold per
 * replica (neither open to a flood nor closed to everyone because a cache is down).
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly refused: Counter<'limiter'>;
  private readonly fallbacks: Counter<'limiter'>;

  private constructor(
    private readonly options: RateLimitsOptions,
    private readonly deps: RateLimitsDeps,
    private readonly store: RateLimitStore | undefined,
  ) {
    const registers = [deps.registry];
    this.refused = new Counter({
      name: 'fraiseql_rate_limited_total',
      help: 'Requests (or streams) refused by a rate limit, by limiter (ip, principal, api_key, streams_per_principal, rows_per_ticket).',
      labelNames: ['limiter'] as const,
      registers,
    });
    this.fallbacks = new Counter({
      name: 'fraiseql_rate_limit_fallback_total',
      help: 'Rate-limit decisions made in memory because Redis was unreachable or too slow, by limiter.',
      labelNames: ['limiter'] as const,
      registers,
    });
    // Every limiter's series start at 0, so a refusal rate reads 0/s (not "no data") until the first refusal.
    for (const limiter of RATE_LIMITER_NAMES) {
      this.refused.inc({ limiter }, 0);
      this.fallbacks.inc({ limiter }, 0);
    }
  }

  /** Connects Redis when any limit is on (waiting up to 2 s for it; without it, the limits are enforced in memory). */
  static async open(options: RateLimitsOptions, deps: RateLimitsDeps): Promise<RateLimits> {
    const on =
      (options.ip?.requests ?? 0) > 0 ||
      (options.principal?.requests ?? 0) > 0 ||
      (options.apiKey?.requests ?? 0) > 0 ||
      Object.values(options.roleRates ?? {}).some((rate) => rate > 0);
    const store = on
      ? await RateLimitStore.open({
          url: options.redisUrl,
          commandTimeoutMs: options.redisTimeoutMs ?? 200,
          connectWaitMs: CONNECT_WAIT_MS,
          logger: deps.logger,
          registry: deps.registry,
        })
      : undefined;
    return new RateLimits(options, deps, store);
  }

  /** No request limit: only counts the refusals made elsewhere (`countRefusal`), for a service whose limits are off. */
  static off(deps: RateLimitsDeps): RateLimits {
    return new RateLimits({ redisUrl: '', keyPrefix: '' }, deps, undefined);
  }

  /** Counts a request from a client address; throws RateLimitedError over FRAISEQL_RATE_LIMIT_IP_REQUESTS. */
  async admitAddress(address: string): Promise<void> {
    const rule = this.options.ip;
    if (!rule || rule.requests === 0) return;
    await this.consume('ip', address, rule.requests, rule.windowS, null, 'this client address', 'FRAISEQL_RATE_LIMIT_IP_REQUESTS');
  }

  /**
   * Counts a request of an authenticated caller against its own allowance: its API key's, or its principal's, or the
   * most generous rate of its roles in FRAISEQL_RATE_LIMIT_ROLES. Anonymous callers are only counted by address.
   */
  async admitCaller(caller: Caller): Promise<void> {
    const subject = caller.subject;
    if (subject === null) return;
    const apiKey = subject.startsWith(API_KEY_SUBJECT_PREFIX);
    const limiter: RateLimiterName = apiKey ? 'api_key' : 'principal';
    const rule = apiKey ? this.options.apiKey : this.options.principal;
    const windowS = rule?.windowS ?? 1;
    let points = rule && rule.requests > 0 ? rule.requests : Infinity;
    let source = apiKey ? 'FRAISEQL_RATE_LIMIT_API_KEY_REQUESTS' : 'FRAISEQL_RATE_LIMIT_PRINCIPAL_REQUESTS';
    const fromRoles = this.roleAllowance(caller, windowS);
    if (fromRoles !== undefined) {
      points = fromRoles;
      source = 'FRAISEQL_RATE_LIMIT_ROLES';
    }
    if (!Number.isFinite(points)) return;
    const key = apiKey ? subject.slice(API_KEY_SUBJECT_PREFIX.length) : `${caller.orgId ?? '-'}:${subject}`;
    await this.consume(limiter, key, points, windowS, caller, apiKey ? 'this API key' : 'this principal', source);
  }

  /** Counts a refusal made elsewhere (Flight's stream and row bounds) in the metric and tells `onRateLimited`. */
  countRefusal(event: RateLimitedEvent): void {
    this.refused.inc({ limiter: event.limiter });
    try {
      this.deps.onRateLimited?.(event);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'onRateLimited failed');
    }
  }

  /** Whether the Redis counters are reachable now (undefined: no limit is on, Redis is not used). */
  get storeUp(): boolean | undefined {
    return this.store?.isUp;
  }

  async close(): Promise<void> {
    await this.store?.close();
  }

  /** The most generous allowance (points per window) among the caller's roles that have a rate; undefined when none has. */
  private roleAllowance(caller: Caller, windowS: number): number | undefined {
    const rates = this.options.roleRates;
    if (!rates) return undefined;
    let best: number | undefined;
    for (const role of caller.roles) {
      const rate = rates[role];
      if (rate === undefined) continue;
      const points = rate === 0 ? Infinity : Math.max(1, Math.ceil(rate * windowS));
      best = best === undefined ? points : Math.max(best, points);
    }
    return best;
  }

  private async consume(
    limiter: RateLimiterName,
    key: string,
    points: number,
    windowS: number,
    caller: Caller | null,
    what: string,
    source: string,
  ): Promise<void> {
    try {
      await this.limiterFor(limiter, points, windowS).consume(key);
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) {
        // Neither Redis nor the in-memory insurance decided: a fault of ours, not the caller's; let the request through.
        this.deps.logger.error({ err: outcome, limiter }, 'rate limit could not be evaluated; request admitted');
        return;
      }
      const retryAfterMs = Math.max(0, outcome.msBeforeNext);
      this.countRefusal({ limiter, key, caller, retryAfterMs });
      throw new RateLimitedError(
        limiter,
        retryAfterMs,
        `Too many requests from ${what}: at most ${points} per ${windowS} s (${source}). Retry after ${retryAfterSeconds(retryAfterMs)} s.`,
      );
    }
  }

  /** One limiter per distinct allowance (role overrides differ in points only); all of a kind share one key space. */
  private limiterFor(limiter: RateLimiterName, points: number, windowS: number): RateLimiterAbstract {
    const id = `${limiter}/${points}/${windowS}`;
    let found = this.limiters.get(id);
    if (!found) {
      const keyPrefix = `${this.options.keyPrefix}:${limiter}`;
      const insurance = new InsuranceLimiter({ keyPrefix, points, duration: windowS }, () => this.fallbacks.inc({ limiter }));
      found = this.store
        ? new RateLimiterRedis({
            storeClient: this.store.client,
            keyPrefix,
            points,
            duration: windowS,
            rejectIfRedisNotReady: true,
            insuranceLimiter: insurance,
          })
        : insurance;
      this.limiters.set(id, found);
    }
    return found;
  }
}
