import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import {
  decodeJobLifecycleEvent,
  encodeJobLifecycleEvent,
  JobApiClient,
  jobLifecycleMsgId,
  observerJobId,
  parseJobApiRequest,
  serveJobApi,
  signExportDownloadToken,
  verifyExportDownloadToken,
  type JobApiHandlers,
  type JobView,
} from '@fraiseql/jobs';
import { jobApiSubject } from '@fraiseql/nats-contract';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';

const ORG_A = '0b7f3a44-0000-4000-8000-00000000000a';
const ORG_B = '0b7f3a44-0000-4000-8000-00000000000b';
const alice: Caller = { subject: 'alice', orgId: ORG_A, roles: ['member'] };

function view(id: string, orgId: string | null): JobView {
  return {
    id,
    type: 'export',
    orgId,
    state: 'queued',
    progress: null,
    attempts: 0,
    maxAttempts: 3,
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    retryAt: null,
    result: null,
    error: null,
    createdBy: 'alice',
  };
}

describe('job API contract', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  const jobs = new Map<string, JobView>();

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    const notHere = async (): Promise<never> => {
      throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'not in this test');
    };
    const handlers: JobApiHandlers = {
      enqueue: async (request, caller) => {
        const id = request.jobId ?? `j${jobs.size + 1}`;
        const existing = jobs.get(id);
        if (existing) return { job: existing, created: false };
        const job = view(id, caller.orgId);
        jobs.set(id, job);
        return { job, created: true };
      },
      get: async ({ id }, caller) => {
        const job = jobs.get(id);
        return { job: job && job.orgId === caller.orgId ? job : null };
      },
      list: notHere,
      cancel: async () => {
        throw new Error('a bug in the handler');
      },
      retry: notHere,
      download: notHere,
      'dead-list': notHere,
      'dead-purge': notHere,
    };
    serveJobApi(nc, handlers);
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.dispose();
  });

  it('carries a request, the caller and the reply; an id given twice returns the first job', async () => {
    const client = new JobApiClient(nc);
    const first = await client.call('enqueue', { type: 'export', payload: { format: 'csv' }, jobId: 'report-1' }, alice);
    expect(first).toMatchObject({ created: true, job: { id: 'report-1', orgId: ORG_A, createdBy: 'alice' } });
    const again = await client.call('enqueue', { type: 'export', payload: {}, jobId: 'report-1' }, alice);
    expect(again.created).toBe(false);
    expect((await client.call('get', { id: 'report-1' }, alice)).job?.id).toBe('report-1');
    // Another org's job reads as absent.
    expect((await client.call('get', { id: 'report-1' }, { subject: 'bob', orgId: ORG_B, roles: [] })).job).toBeNull();
  });

  it('refuses a bad request on both sides with the field named', async () => {
    const client = new JobApiClient(nc);
    await expect(client.call('get', { id: 'a:b' }, alice)).rejects.toMatchObject({
      code: 'FRAISEQL_BAD_REQUEST',
      message: expect.stringMatching(/^request\.id: /),
    });
    // Straight to the subject, past the client's own check: the server refuses it too.
    const raw = await nc.request(jobApiSubject('list'), new TextEncoder().encode(JSON.stringify({ first: 1000 })));
    expect(JSON.parse(new TextDecoder().decode(raw.data))).toMatchObject({
      ok: false,
      error: { code: 'FRAISEQL_BAD_REQUEST', message: expect.stringMatching(/^request\.first: /) },
    });
    const garbage = await nc.request(jobApiSubject('get'), new TextEncoder().encode('{not json'));
    expect(JSON.parse(new TextDecoder().decode(garbage.data))).toMatchObject({ ok: false, error: { code: 'FRAISEQL_BAD_REQUEST' } });
    const unknown = await nc.request(jobApiSubject('explode'), new Uint8Array());
    expect(JSON.parse(new TextDecoder().decode(unknown.data))).toMatchObject({
      ok: false,
      error: { code: 'FRAISEQL_OPERATION_NOT_FOUND' },
    });
  });

  it("answers a handler's bug as FRAISEQL_INTERNAL without its message, and a domain error with its code", async () => {
    const client = new JobApiClient(nc);
    await expect(client.call('cancel', { id: 'x' }, alice)).rejects.toMatchObject({
      code: 'FRAISEQL_INTERNAL',
      message: 'The job-runner failed to answer (see its log)',
    });
    await expect(client.call('retry', { id: 'x' }, alice)).rejects.toMatchObject({ code: 'FRAISEQL_OPERATION_NOT_SUPPORTED' });
  });

  it('says FRAISEQL_JOB_RUNNER_UNAVAILABLE when no job-runner listens', async () => {
    // A server where no job-runner listens.
    const alone = await startNatsServer();
    const other = await connect({ servers: alone.url });
    try {
      await expect(new JobApiClient(other, { timeoutMs: 500 }).call('get', { id: 'x' }, alice)).rejects.toMatchObject({
        code: 'FRAISEQL_JOB_RUNNER_UNAVAILABLE',
      });
    } finally {
      await other.close();
      await alone.dispose();
    }
  });
});

describe('job contract values', () => {
  it('validates the list filter', () => {
    expect(parseJobApiRequest('list', { where: { state: ['dead'], type: 'export' }, first: 10 })).toEqual({
      where: { state: ['dead'], type: 'export' },
      first: 10,
    });
    expect(() => parseJobApiRequest('list', { where: { state: ['gone'] } })).toThrow(/request\.where\.state\.0/);
    expect(() => parseJobApiRequest('enqueue', { type: 'Export!', payload: {} })).toThrow(/request\.type: must be lower-case/);
    expect(() => parseJobApiRequest('enqueue', { type: 'export', payload: {}, extra: 1 })).toThrow(/Unrecognized key/);
  });

  it('round-trips a lifecycle event and refuses a malformed one', () => {
    const event = {
      version: 1 as const,
      job_id: 'j1',
      job_type: 'export',
      org_id: ORG_A,
      state: 'failed' as const,
      attempt: 2,
      at: new Date().toISOString(),
      error: { code: 'FRAISEQL_JOB_TIMEOUT', message: 'too slow' },
    };
    expect(decodeJobLifecycleEvent(encodeJobLifecycleEvent(event))).toEqual(event);
    expect(() => decodeJobLifecycleEvent('{"version":1,"job_id":"j1"}')).toThrow(/Malformed job lifecycle event: job_type/);
    // The org is part of it: two orgs' jobs may share an id. A redrive's steps are not repeats of the first run's.
    expect(jobLifecycleMsgId(event)).toBe(`job:${ORG_A}:j1:failed:2`);
    expect(jobLifecycleMsgId({ ...event, run: 1 })).toBe(`job:${ORG_A}:j1:failed:2:r1`);
    expect(decodeJobLifecycleEvent(encodeJobLifecycleEvent({ ...event, run: 3 })).run).toBe(3);
  });

  it('derives one job id per rule, action and event', () => {
    const id = observerJobId('admin:orderShipped', 0, '0190a0b0-0000-7000-8000-000000000001');
    expect(id).toMatch(/^obs-[0-9a-f]{40}$/);
    expect(observerJobId('admin:orderShipped', 0, '0190a0b0-0000-7000-8000-000000000001')).toBe(id);
    expect(observerJobId('admin:orderShipped', 1, '0190a0b0-0000-7000-8000-000000000001')).not.toBe(id);
  });
});

describe('export download tokens', () => {
  const secret = 'a-download-signing-key-of-32-bytes!!';
  const claims = {
    jobId: 'report-1',
    orgId: ORG_A,
    key: `${ORG_A}/report-1.parquet`,
    fileName: 'report-1.parquet',
    exp: Math.floor(Date.now() / 1000) + 60,
  };

  it('verifies its own tokens and refuses altered, foreign and expired ones', () => {
    const token = signExportDownloadToken(claims, secret);
    expect(verifyExportDownloadToken(token, secret)).toEqual(claims);
    const [body, signature] = token.split('.');
    const altered = Buffer.from(JSON.stringify({ ...claims, orgId: ORG_B })).toString('base64url');
    expect(() => verifyExportDownloadToken(`${altered}.${signature}`, secret)).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_DOWNLOAD_TOKEN_INVALID' }),
    );
    expect(() => verifyExportDownloadToken(token, 'another-deployment-key-of-32-bytes!!')).toThrow(/not issued by this deployment/);
    expect(() => verifyExportDownloadToken(`${body}`, secret)).toThrow(/malformed/);
    expect(() => verifyExportDownloadToken(token, secret, (claims.exp + 1) * 1000)).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_DOWNLOAD_TOKEN_EXPIRED' }),
    );
    expect(() => signExportDownloadToken(claims, 'short')).toThrow(expect.objectContaining({ code: 'FRAISEQL_CONFIG_INVALID' }));
  });
});
