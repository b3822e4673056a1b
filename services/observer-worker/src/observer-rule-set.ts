import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { Counter, Gauge, type Registry } from 'prom-client';
import { toFraiseqlError } from '@fraiseql/errors';
import { decodeObserverRuleEntry, openObserversBucket, type ObserverRuleEntry } from '@fraiseql/nats-contract';
import { validateAdminObserverRule, type ObserverEntityCatalog, type ObserverRule } from '@fraiseql/observer-rules';
import { observerEntities, type CompiledSchema, type SchemaSource } from '@fraiseql/schema';
import type { Logger } from '@fraiseql/service-kit';

export type RuleOrigin = 'schema' | 'admin';

/** A rule the worker runs: validated here, with where it came from. */
export interface ActiveRule {
  rule: ObserverRule;
  origin: RuleOrigin;
  /** `schema:<name>` or `admin:<name>`: unique among the rules that can fire on one event (an admin rule's org is the event's). */
  ref: string;
  /** The KV revision of an admin rule's entry; 0 for a schema rule. */
  revision: number;
}

export interface ObserverRuleSetOptions {
  nc: NatsConnection;
  /** Not started: the set starts it (the compiled schema holds the declared rules and the entities to check against). */
  schemaSource: SchemaSource;
  logger: Logger;
  registry: Registry;
}

/**
 * The rules in force, kept current without a restart: those compiled with the schema (FRAISEQL_SCHEMA or a
 * file) and those managed at run time (the FRAISEQL_OBSERVERS KV bucket, written by query-executor).
 * Every admin rule is validated again here against the current schema — the bus is never trusted — and
 * checked again whenever the schema changes; a rule that no longer validates stops firing and is logged.
 */
export class ObserverRuleSet {
  private schemaRules: ActiveRule[] = [];
  private readonly entries = new Map<string, { entry: ObserverRuleEntry; revision: number }>();
  private adminRules = new Map<string, ActiveRule>();
  private catalog: ObserverEntityCatalog | undefined;
  private all: readonly ActiveRule[] = [];
  private watcher: QueuedIterator<KvEntry> | undefined;
  private watching: Promise<void> | undefined;
  private initialized = false;
  private readonly rejected: Counter<'origin'>;
  private readonly gauge: Gauge<'origin'>;
  private readonly logger: Logger;

  constructor(private readonly options: ObserverRuleSetOptions) {
    this.logger = options.logger.child({ component: 'observer-rules' });
    this.rejected = new Counter({
      name: 'fraiseql_observer_rules_rejected_total',
      help: 'Observer rules refused by the worker’s validation (an admin rule invalid against the current schema)',
      labelNames: ['origin'],
      registers: [options.registry],
    });
    this.gauge = new Gauge({
      name: 'fraiseql_observer_rules',
      help: 'Observer rules in force, by origin (schema or admin)',
      labelNames: ['origin'],
      registers: [options.registry],
    });
  }

  /** Loads the schema and every admin rule, then keeps watching both. Resolves once both initial loads are done. */
  async start(): Promise<void> {
    const { schemaSource } = this.options;
    schemaSource.on('change', (schema) => this.onSchema(schema));
    await schemaSource.start();
    const kv: KV = await openObserversBucket(this.options.nc);
    let markInitialized: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => (markInitialized = resolve));
    this.watcher = await kv.watch({
      initializedFn: () => {
        this.initialized = true;
        this.rebuild();
        markInitialized();
      },
    });
    this.watching = (async () => {
      for await (const entry of this.watcher!) this.onEntry(entry);
    })().catch((error: unknown) => this.logger.error({ err: error }, 'the FRAISEQL_OBSERVERS watch ended'));
    await loaded;
    this.logger.info({ schemaRules: this.schemaRules.length, adminRules: this.adminRules.size }, 'observer rules loaded');
  }

  /** The rules in force now, schema rules first. */
  rules(): readonly ActiveRule[] {
    return this.all;
  }

  /** For /readyz: a schema arrived and the KV bucket was read to its end. */
  readiness = async (): Promise<void> => {
    if (!this.options.schemaSource.current) throw new Error('no compiled schema yet');
    if (!this.initialized) throw new Error('the FRAISEQL_OBSERVERS bucket is not loaded yet');
  };

  async close(): Promise<void> {
    this.watcher?.stop();
    await this.watching;
    await this.options.schemaSource.close();
  }

  private onSchema(schema: CompiledSchema): void {
    this.catalog = observerEntities(schema.types);
    // The compiler validated these already, against these very types.
    this.schemaRules = (schema.observers ?? []).map((rule) => ({ rule, origin: 'schema', ref: `schema:${rule.name}`, revision: 0 }));
    this.adminRules = new Map();
    for (const [key, { entry, revision }] of this.entries) this.admit(key, entry, revision);
    this.logger.info({ schemaHash: schema.hash, schemaRules: this.schemaRules.length }, 'schema rules loaded');
    this.rebuild();
  }

  private onEntry(kvEntry: KvEntry): void {
    const key = kvEntry.key;
    if (kvEntry.operation !== 'PUT') {
      this.entries.delete(key);
      if (this.adminRules.delete(key)) this.logger.info({ key }, 'observer rule removed');
      this.rebuild();
      return;
    }
    let entry: ObserverRuleEntry;
    try {
      entry = decodeObserverRuleEntry(kvEntry.value);
    } catch (error) {
      this.refuse(key, error);
      this.entries.delete(key);
      this.adminRules.delete(key);
      this.rebuild();
      return;
    }
    this.entries.set(key, { entry, revision: kvEntry.revision });
    this.admit(key, entry, kvEntry.revision);
    this.rebuild();
  }

  /** Validates an admin entry against the current schema; only a valid one fires. */
  private admit(key: string, entry: ObserverRuleEntry, revision: number): void {
    if (!this.catalog) return; // validated when the schema arrives
    try {
      const rule = validateAdminObserverRule(entry, this.catalog);
      const previous = this.adminRules.get(key);
      this.adminRules.set(key, { rule, origin: 'admin', ref: `admin:${rule.name}`, revision });
      if (this.initialized && previous?.revision !== revision) {
        this.logger.info(
          { key, version: entry.version, enabled: entry.enabled },
          previous ? 'observer rule updated' : 'observer rule added',
        );
      }
    } catch (error) {
      this.adminRules.delete(key);
      this.refuse(key, error);
    }
  }

  private refuse(key: string, error: unknown): void {
    this.rejected.inc({ origin: 'admin' });
    const failure = toFraiseqlError(error);
    this.logger.warn(
      { key, code: failure.code, details: failure.details },
      `observer rule ${key} refused, it does not fire: ${failure.message}`,
    );
  }

  private rebuild(): void {
    this.all = [...this.schemaRules, ...this.adminRules.values()];
    this.gauge.set({ origin: 'schema' }, this.schemaRules.length);
    this.gauge.set({ origin: 'admin' }, this.adminRules.size);
  }
}
