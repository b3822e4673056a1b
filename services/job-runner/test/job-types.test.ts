import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevInbox, type DevInbox, type EmailItem, type HttpItem } from '@fraiseql/dev-inbox';
import { toCaller } from '@fraiseql/identity';
import { observerJobId, verifyExportDownloadToken, type JobView } from '@fraiseql/jobs';
import { ActionDelivery, JobEnqueuer } from '@fraiseql/observer-actions';
import { createTestDatabase, waitFor, type TestDatabase } from '@fraiseql/testkit';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { adminOf, lifecycleOf, ORG_A, ORG_B, startBackends, startRunner, type TestRunner } from './support';

const SIGNING_KEY = 'job-runner-test-signing-key-0123456789abcdef';
const ROWS = 5000;

describe('job-runner job types: export, email-batch, webhook; the observer job action (real PostgreSQL, Redis, NATS, SMTP, HTTP)', () => {
  let backends: Awaited<ReturnType<typeof startBackends>>;
  let database: TestDatabase;
  let inbox: DevInbox;
  let directory: string;
  let t: TestRunner;
  const A = adminOf(ORG_A);
  const B = adminOf(ORG_B);

  beforeAll(async () => {
    backends = await startBackends();
    database = await createTestDatabase('fraiseql_test_jobs');
    const pool = new Pool({ connectionString: database.url });
    await pool.query(`
      CREATE TABLE tb_item (id int PRIMARY KEY, org_id uuid NOT NULL, amount numeric(12, 2) NOT NULL, label text);
      INSERT INTO tb_item SELECT i, CASE WHEN i % 5 = 0 THEN '${ORG_B}'::uuid ELSE '${ORG_A}'::uuid END, i / 100.0, 'item ' || i
        FROM generate_series(1, ${ROWS}) AS i;
      CREATE VIEW va_item AS SELECT id, org_id, amount, label FROM tb_item;
    `);
    await pool.end();
    inbox = await startDevInbox({ httpPort: 0, smtpPort: 0 });
    directory = mkdtempSync(join(tmpdir(), 'fraiseql-job-exports-'));
    t = await startRunner(backends, {
      export: {
        databaseUrl: database.url,
        poolMax: 2,
        store: { FRAISEQL_EXPORT_STORE: `local:${directory}` },
        signingKey: SIGNING_KEY,
        linkTtlMs: 60_000,
      },
      email: { host: '127.0.0.1', port: inbox.smtpPort, from: 'FraiseQL <jobs@test>' },
    });
  });

  afterAll(async () => {
    await t?.close();
    await inbox?.close();
    await database?.drop();
    await backends?.dispose();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  const until = async (id: string, caller: typeof A, states: JobView['state'][]): Promise<JobView> => {
    let last: JobView | null = null;
    await waitFor(async () => {
      last = (await t.api.call('get', { id }, caller)).job;
      return last !== null && states.includes(last.state);
    }, 30_000).catch(() => {
      throw new Error(`job ${id} is ${JSON.stringify(last)}`);
    });
    return last!;
  };

  it('exports an org-scoped view to CSV with progress, a checksum and a signed download only its org can get', async () => {
    const { job } = await t.api.call(
      'enqueue',
      {
        type: 'export',
        payload: { format: 'csv', source: { kind: 'view', view: 'va_item', orderBy: [{ column: 'id' }] } },
        jobId: 'exp-1',
      },
      A,
    );
    expect(job.type).toBe('export');
    const done = await until('exp-1', A, ['succeeded', 'dead']);
    expect(done.state).toBe('succeeded');
    const result = done.result as { rows: number; key: string; location: string; sha256: string; sizeBytes: number };
    expect(result.rows).toBe((ROWS * 4) / 5); // org A's rows only
    const bytes = readFileSync(result.location);
    expect(bytes.length).toBe(result.sizeBytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.sha256);
    const lines = bytes.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(result.rows + 1);
    expect(lines.slice(1).every((line) => line.includes(ORG_A))).toBe(true);
    expect((await lifecycleOf(backends.nc, 'exp-1', ORG_A)).at(-1)).toMatchObject({ state: 'succeeded', result: { rows: result.rows } });

    const { url, expiresAt } = await t.api.call('download', { id: 'exp-1', ttlSeconds: 60 }, A);
    const claims = verifyExportDownloadToken(url.replace('/v1/exports/', ''), SIGNING_KEY);
    expect(claims).toMatchObject({ jobId: 'exp-1', orgId: ORG_A, key: result.key, fileName: 'exp-1.csv' });
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    await expect(t.api.call('download', { id: 'exp-1' }, B)).rejects.toMatchObject({ code: 'FRAISEQL_JOB_NOT_FOUND' });
  });

  it('refuses an export payload naming the field, and an unknown view as a permanent failure', async () => {
    await expect(
      t.api.call('enqueue', { type: 'export', payload: { format: 'xlsx', source: { kind: 'view', view: 'va_item' } } }, A),
    ).rejects.toMatchObject({ code: 'FRAISEQL_JOB_PAYLOAD_INVALID', message: expect.stringContaining('payload.format') });
    await t.api.call(
      'enqueue',
      { type: 'export', payload: { format: 'arrow', source: { kind: 'view', view: 'va_nothing' } }, jobId: 'exp-bad' },
      A,
    );
    const dead = await until('exp-bad', A, ['dead']);
    expect(dead).toMatchObject({ attempts: 1, error: { code: 'FRAISEQL_JOB_PAYLOAD_INVALID' } });
    await expect(t.api.call('download', { id: 'exp-bad' }, A)).rejects.toMatchObject({ code: 'FRAISEQL_JOB_STATE_CONFLICT' });
  });

  it('sends an e-mail batch through SMTP, one Message-ID per message', async () => {
    inbox.clear();
    const messages = Array.from({ length: 3 }, (_, i) => ({ to: `user${i}@example.test`, subject: `Digest ${i}`, text: `hello ${i}` }));
    await t.api.call('enqueue', { type: 'email-batch', payload: { messages }, jobId: 'mail-1' }, A);
    const done = await until('mail-1', A, ['succeeded', 'dead']);
    expect(done).toMatchObject({ state: 'succeeded', result: { sent: 3, total: 3, rejected: [] } });
    const mails = inbox.items().filter((item): item is EmailItem => item.kind === 'email');
    expect(mails.map((m) => m.subject).sort()).toEqual(['Digest 0', 'Digest 1', 'Digest 2']);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(3);
    await expect(
      t.api.call('enqueue', { type: 'email-batch', payload: { messages: [{ to: 'x@example.test', subject: 'no body' }] } }, A),
    ).rejects.toMatchObject({ code: 'FRAISEQL_JOB_PAYLOAD_INVALID', message: expect.stringContaining('payload.messages.0') });
  });

  it('delivers a webhook with the job as its idempotency key; a target the SSRF guard refuses is dead at once', async () => {
    inbox.clear();
    await t.api.call(
      'enqueue',
      { type: 'webhook', payload: { url: `${inbox.httpUrl}/hooks/order`, body: { order: 7 } }, jobId: 'hook-ok' },
      A,
    );
    expect(await until('hook-ok', A, ['succeeded', 'dead'])).toMatchObject({ state: 'succeeded', result: { status: 200 } });
    const calls = inbox.items().filter((item): item is HttpItem => item.kind === 'http');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers['idempotency-key']).toBe('job:hook-ok');
    expect(JSON.parse(calls[0]!.body)).toEqual({ order: 7 });

    // The SSRF guard refuses a private address that is not allowed: permanent, no retry.
    await t.api.call('enqueue', { type: 'webhook', payload: { url: 'http://10.255.255.1/x' }, jobId: 'hook-private' }, A);
    expect(await until('hook-private', A, ['dead'])).toMatchObject({ attempts: 1 });
  });

  it('the observer job action under redelivery enqueues the job once', async () => {
    const enqueuer = new JobEnqueuer(new ActionDelivery({ registry: new Registry() }), backends.nc);
    const eventId = '0190a0b0-0000-7000-8000-0000000000aa';
    const jobId = observerJobId('admin:orderShipped', 0, eventId);
    const request = {
      type: 'webhook',
      payload: { url: `${inbox.httpUrl}/hooks/shipped`, body: { event: eventId } },
      jobId,
      source: { rule: 'admin:orderShipped', action: 0, eventId },
      orgId: ORG_A,
    };
    inbox.clear();
    const outcomes = [await enqueuer.enqueue(request), await enqueuer.enqueue(request), await enqueuer.enqueue(request)];
    expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success', 'success']);
    expect(outcomes.map((o) => (o.kind === 'success' ? o.detail?.created : undefined))).toEqual([true, false, false]);
    const observerCaller = toCaller({ subject: 'someone', orgId: ORG_A, roles: [] }, 'FRAISEQL_BAD_REQUEST');
    expect(await until(jobId, observerCaller, ['succeeded'])).toMatchObject({ createdBy: 'service:observer-worker' });
    expect(inbox.items().filter((item) => item.kind === 'http')).toHaveLength(1);
    expect((await lifecycleOf(backends.nc, jobId, ORG_A)).filter((e) => e.state === 'queued')).toHaveLength(1);
    // A job type the job-runner does not have is a permanent refusal for the observer (its dead letter names it).
    const unknown = await enqueuer.enqueue({ ...request, type: 'fax', jobId: `${jobId}x` });
    expect(unknown).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_JOB_TYPE_UNKNOWN' });
  });
});
