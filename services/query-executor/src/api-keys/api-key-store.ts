import type { KV } from 'nats';
import type { Pool, PoolClient } from 'pg';
import { decodeApiKeyRecord, encodeApiKeyRecord, issueApiKey, type ApiKeyRecord } from '@fraiseql/auth';
import { FraiseqlError } from '@fraiseql/errors';
import { toCaller, type Caller } from '@fraiseql/identity';
import type { Logger } from '@fraiseql/service-kit';
import { EXPIRE_API_KEY, INSERT_API_KEY, LIST_API_KEYS, LOCK_API_KEY, READ_ALL_API_KEYS, REVOKE_API_KEY } from './api-keys-sql';

interface ApiKeyRow {
  id: string;
  org_id: string;
  name: string;
  roles: string[];
  secret_hash: string;
  created_at: Date;
  created_by: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  version: number;
}

export interface NewApiKey {
  name: string;
  roles: readonly string[];
  expiresAt: Date | null;
}

/** A key as the admin surface shows it (never its hash). */
export interface ApiKeyView {
  id: string;
  name: string;
  roles: string[];
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  active: boolean;
}

const MAX_GRACE_SECONDS = 7 * 24 * 3600;
const CAS_ATTEMPTS = 5;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * API keys (docs/security.md, "API keys"): PostgreSQL holds them (fraiseql.tb_api_key), the KV bucket FRAISEQL_API_KEYS
 * is what the gateway and flight-server authenticate from. Every change commits in PostgreSQL first and is then written
 * to the bucket; a write that failed is repaired by the full sync that runs at start and every `fullSyncIntervalMs`.
 * A bucket entry is only ever replaced by a higher version, so replicas racing never undo a revocation.
 */
export class ApiKeyStore {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly kv: KV,
    private readonly logger: Logger,
  ) {}

  /** Syncs now and every `intervalMs` (failures logged, retried at the next sync). */
  start(intervalMs: number): void {
    const sync = () =>
      this.syncAll().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'API key sync into FRAISEQL_API_KEYS failed; retried later'),
      );
    void sync();
    this.timer = setInterval(sync, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async list(orgId: string, includeInactive: boolean): Promise<ApiKeyView[]> {
    const { rows } = await this.pool.query<ApiKeyRow>(LIST_API_KEYS, [orgId, includeInactive]);
    return rows.map(view);
  }

  /** A new key of the caller's org: its roles must be roles the caller holds (no key outranks its creator). */
  async create(caller: Caller, orgId: string, input: NewApiKey): Promise<{ apiKey: ApiKeyView; key: string }> {
    const name = checkName(input.name);
    const roles = checkRoles(caller, input.roles);
    if (input.expiresAt !== null && input.expiresAt.getTime() <= Date.now()) throw badInput('input.expiresAt: must be in the future');
    const issued = issueApiKey();
    const { rows } = await this.pool.query<ApiKeyRow>(INSERT_API_KEY, [
      issued.id,
      orgId,
      name,
      roles,
      issued.hash,
      creator(caller),
      input.expiresAt,
      null,
    ]);
    await this.mirror(rows[0]!);
    return { apiKey: view(rows[0]!), key: issued.token };
  }

  /** A successor with the same name, roles and expiry; the old key expires after `graceSeconds` (0: now). */
  async rotate(caller: Caller, orgId: string, id: string, graceSeconds: number): Promise<{ apiKey: ApiKeyView; key: string }> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS)
      throw badInput(`graceSeconds: must be an integer from 0 to ${MAX_GRACE_SECONDS}`);
    const issued = issueApiKey();
    const [created, expired] = await this.transaction(async (client) => {
      const old = await lockActive(client, orgId, id);
      checkRoles(caller, old.roles);
      const inserted = await client.query<ApiKeyRow>(INSERT_API_KEY, [
        issued.id,
        orgId,
        old.name,
        old.roles,
        issued.hash,
        creator(caller),
        old.expires_at,
        old.id,
      ]);
      const updated = await client.query<ApiKeyRow>(EXPIRE_API_KEY, [orgId, id, graceSeconds]);
      return [inserted.rows[0]!, updated.rows[0]!] as const;
    });
    await this.mirror(expired);
    await this.mirror(created);
    return { apiKey: view(created), key: issued.token };
  }

  async revoke(caller: Caller, orgId: string, id: string): Promise<ApiKeyView> {
    const revoked = await this.transaction(async (client) => {
      const { rows } = await client.query<ApiKeyRow>(LOCK_API_KEY, [orgId, id]);
      if (!rows[0]) throw notFound(id);
      return (await client.query<ApiKeyRow>(REVOKE_API_KEY, [orgId, id, creator(caller)])).rows[0]!;
    });
    await this.mirror(revoked);
    return view(revoked);
  }

  /** Writes every key into the bucket where it holds an older version (or none), and deletes entries no key backs. */
  async syncAll(): Promise<{ put: number; deleted: number }> {
    const { rows } = await this.pool.query<ApiKeyRow>(READ_ALL_API_KEYS);
    const ids = new Set(rows.map((row) => row.id));
    let put = 0;
    let deleted = 0;
    for (const row of rows) if (await this.putIfNewer(row)) put++;
    const present: string[] = [];
    for await (const key of await this.kv.keys()) present.push(key);
    for (const key of present) {
      if (ids.has(key)) continue;
      await this.kv.delete(key);
      deleted++;
    }
    return { put, deleted };
  }

  /** After a commit: the row into the bucket; a failure leaves it to the next full sync (the change itself stands). */
  private async mirror(row: ApiKeyRow): Promise<void> {
    try {
      await this.putIfNewer(row);
    } catch (error) {
      this.logger.warn({ err: error, apiKeyId: row.id }, 'API key not yet written to FRAISEQL_API_KEYS; the next sync writes it');
    }
  }

  private async putIfNewer(row: ApiKeyRow): Promise<boolean> {
    const value = encodeApiKeyRecord(record(row));
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.kv.get(row.id);
      if (current?.operation === 'PUT' && (heldVersion(current.value) ?? -1) >= row.version) return false;
      try {
        if (current) await this.kv.update(row.id, value, current.revision);
        else await this.kv.create(row.id, value);
        return true;
      } catch {
        // Another replica wrote first: look again.
      }
    }
    throw new FraiseqlError('FRAISEQL_NATS_UNAVAILABLE', `API key ${row.id}: the bucket kept changing under ${CAS_ATTEMPTS} writes`);
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

async function lockActive(client: PoolClient, orgId: string, id: string): Promise<ApiKeyRow> {
  const { rows } = await client.query<ApiKeyRow>(LOCK_API_KEY, [orgId, id]);
  const row = rows[0];
  if (!row) throw notFound(id);
  if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at.getTime() <= Date.now()))
    throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `API key ${id} is revoked or expired: create a new one instead of rotating it`);
  return row;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 200 || CONTROL.test(trimmed))
    throw badInput('input.name: 1 to 200 characters, no control characters');
  return trimmed;
}

function checkRoles(caller: Caller, roles: readonly string[]): string[] {
  const unique = [...new Set(roles)];
  // The one role syntax of the fleet (libs/identity): a key's roles travel in the same headers as a token's.
  toCaller({ roles: unique }, 'FRAISEQL_BAD_REQUEST');
  const missing = unique.filter((role) => !caller.roles.includes(role));
  if (missing.length > 0) {
    throw new FraiseqlError('FRAISEQL_FORBIDDEN', `input.roles: a key cannot have roles its creator does not hold (${missing.join(', ')})`);
  }
  return unique;
}

function creator(caller: Caller): string {
  return caller.subject ?? 'anonymous';
}

function view(row: ApiKeyRow): ApiKeyView {
  const now = Date.now();
  return {
    id: row.id,
    name: row.name,
    roles: row.roles,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    active: row.revoked_at === null && (row.expires_at === null || row.expires_at.getTime() > now),
  };
}

function record(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    roles: row.roles,
    hash: row.secret_hash,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    version: row.version,
  };
}

function heldVersion(bytes: Uint8Array): number | undefined {
  try {
    return decodeApiKeyRecord(bytes).version;
  } catch {
    return undefined;
  }
}

function notFound(_id: string): FraiseqlError {
  // The id is not echoed: a not-found answer must read the same whether the key is missing or another org's.
  return new FraiseqlError('FRAISEQL_API_KEY_NOT_FOUND', "No such API key in the caller's organization");
}

function badInput(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_REQUEST', message);
}
