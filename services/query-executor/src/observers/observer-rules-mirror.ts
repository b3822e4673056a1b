import type { KV, NatsConnection } from 'nats';
import type { Pool } from 'pg';
import { Counter, type Registry } from 'prom-client';
import {
  decodeObserverRuleEntry,
  encodeObserverRuleEntry,
  observerRuleKey,
  openObserversBucket,
  type ObserverRuleEntry,
} from '@fraiseql/nats-contract';
import type { Logger, RetryPolicy } from '@fraiseql/service-kit';
import { PgListener } from '../pg-listener';
import { OBSERVERS_CHANNEL, READ_OBSERVER_RULES } from './observer-rules-sql';

export interface ObserverRulesMirrorOptions {
  nc: NatsConnection;
  /** Reads go through the executor's pool; the LISTEN connection is the mirror's own. */
  pool: Pool;
  databaseUrl: string;
  logger: Logger;
  registry: Registry;
  /** A full sync repairs what a lost notification left stale. Default one minute. */
  fullSyncIntervalMs?: number;
  retry: RetryPolicy;
}

interface RuleRow {
  id: string;
  org_id: string;
  name: string;
  version: number;
  enabled: boolean;
  rule: Record<string, unknown>;
  updated_at: string;
}

/** How many compare-and-set attempts one key gets before the next sync takes it up again. */
const MAX_CAS_ATTEMPTS = 5;

/**
 * Mirrors fraiseql.tb_observer into the KV bucket FRAISEQL_OBSERVERS (docs/observers.md): every
 * query-executor replica runs one; a NOTIFY after each committed change syncs that rule, a full sync
 * at start and every minute removes what no longer exists. Writes are compare-and-set on the KV
 * revision and never replace a newer version of the same rule, so replicas racing agree.
 */
export class ObserverRulesMirror {
  private kv: KV | undefined;
  private readonly listener: PgListener;
  private timer: NodeJS.Timeout | undefined;
  private readonly writes: Counter<'action'>;
  private readonly failures: Counter;
  private syncing: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ObserverRulesMirrorOptions) {
    this.listener = new PgListener({
      databaseUrl: options.databaseUrl,
      channel: OBSERVERS_CHANNEL,
      name: 'observer rules mirror',
      logger: options.logger,
      retry: options.retry,
      onNotification: (payload) => this.enqueue(() => this.syncKey(payload)),
      onConnected: () => this.enqueue(() => this.syncAll()),
    });
    this.writes = new Counter({
      name: 'fraiseql_query_executor_observer_rules_mirrored_total',
      help: 'Observer rules written to (put) or removed from (delete) the KV bucket FRAISEQL_OBSERVERS.',
      labelNames: ['action'] as const,
      registers: [options.registry],
    });
    this.failures = new Counter({
      name: 'fraiseql_query_executor_observer_rules_mirror_errors_total',
      help: 'Syncs of observer rules into FRAISEQL_OBSERVERS that failed (retried at the next notification or full sync).',
      registers: [options.registry],
    });
  }

  /** Opens the bucket and schedules the first full sync (a failing sync is logged and retried, never fatal). */
  async start(): Promise<void> {
    this.kv = await openObserversBucket(this.options.nc);
    this.enqueue(() => this.syncAll());
    this.listener.start();
    this.timer = setInterval(() => this.enqueue(() => this.syncAll()), this.options.fullSyncIntervalMs ?? 60_000);
    this.timer.unref();
  }

  /** Resolves once every sync scheduled so far has ended. */
  idle(): Promise<void> {
    return this.syncing.then(() => undefined);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.listener.stop();
    await this.syncing;
  }

  /** Puts every rule that changed and deletes every key whose rule is gone; returns what it wrote. */
  async syncAll(): Promise<{ put: number; deleted: number }> {
    const kv = this.bucket();
    const { rows } = await this.options.pool.query<RuleRow>(READ_OBSERVER_RULES, [null, null]);
    const wanted = new Map(rows.map((row) => [observerRuleKey(row.org_id, row.name), row]));
    let put = 0;
    let deleted = 0;
    for (const [key, row] of wanted) if (await this.putRow(kv, key, row)) put++;
    // Listed first, handled after: the key lister must be drained without waiting on other calls.
    const present: string[] = [];
    for await (const key of await kv.keys()) present.push(key);
    for (const key of present) if (!wanted.has(key) && (await this.deleteKey(kv, key))) deleted++;
    return { put, deleted };
  }

  private async syncKey(payload: string | undefined): Promise<void> {
    const match = /^([0-9a-f-]{36})\.([A-Za-z_][A-Za-z0-9_]{0,99})$/.exec(payload ?? '');
    if (!match) return void (await this.syncAll());
    const kv = this.bucket();
    const [, orgId, name] = match;
    const { rows } = await this.options.pool.query<RuleRow>(READ_OBSERVER_RULES, [orgId, name]);
    const key = observerRuleKey(orgId!, name!);
    if (rows[0]) await this.putRow(kv, key, rows[0]);
    else await this.deleteKey(kv, key);
  }

  /** Writes the row unless the KV already holds this version (or a newer one) of the same rule. */
  private async putRow(kv: KV, key: string, row: RuleRow): Promise<boolean> {
    const entry: ObserverRuleEntry = {
      id: row.id,
      orgId: row.org_id,
      name: row.name,
      version: row.version,
      enabled: row.enabled,
      rule: row.rule,
      updatedAt: row.updated_at,
    };
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await kv.get(key);
      const live = current && current.operation === 'PUT' ? current : undefined;
      const held = live ? readable(live.value) : undefined;
      if (held && held.id === entry.id && held.version >= entry.version) return false;
      try {
        // A deleted key keeps a tombstone revision: update against it too.
        if (current) await kv.update(key, encodeObserverRuleEntry(entry), current.revision);
        else await kv.create(key, encodeObserverRuleEntry(entry));
        this.writes.inc({ action: 'put' });
        return true;
      } catch {
        // Another replica wrote first: read again and decide again.
      }
    }
    this.failures.inc();
    return false;
  }

  private async deleteKey(kv: KV, key: string): Promise<boolean> {
    const current = await kv.get(key);
    if (!current || current.operation !== 'PUT') return false;
    try {
      await kv.delete(key, { previousSeq: current.revision });
      this.writes.inc({ action: 'delete' });
      return true;
    } catch {
      // Rewritten meanwhile (the rule was created again): the writer's value stands.
      return false;
    }
  }

  /** Syncs run one at a time, in order; a failure is counted and logged, and the next sync retries. */
  private enqueue(sync: () => Promise<unknown>): void {
    this.syncing = this.syncing.then(sync).catch((error: unknown) => {
      this.failures.inc();
      this.options.logger.warn({ err: error }, 'observer rules mirror: sync failed; the next notification or full sync retries');
    });
  }

  private bucket(): KV {
    if (!this.kv) throw new Error('the observer rules mirror has not started');
    return this.kv;
  }
}

function readable(value: Uint8Array): ObserverRuleEntry | undefined {
  try {
    return decodeObserverRuleEntry(value);
  } catch {
    return undefined;
  }
}
