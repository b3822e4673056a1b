import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { SignJWT } from 'jose';
import { connect, type Msg, type NatsConnection } from 'nats';
import { decodeOperationRequest, encodeOperationReply, OPERATION_SUBJECTS, type OperationRequest } from '@fraiseql/nats-contract';
import {
  freePort,
  generateTestCertificates,
  startNatsServer,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestCertificates,
  type TestNatsServer,
} from '@fraiseql/testkit';

// The real gateway (src/main.ts) as a process, over native TLS with certificates made for this run, its JWT secret
// read from a *_FILE; a stand-in query-executor answers over a real NATS server.

jest.setTimeout(60_000);

const MAIN = join(__dirname, '../src/main.ts');
const SHOP_SCHEMA = join(__dirname, '../../../examples/shop/schema.compiled.json');
const ORG = '00000000-0000-4000-8000-000000000001';
const JWT_SECRET = 'gateway-jwt-secret-from-a-mounted-secret-4e1b';
const CURSOR_SECRET = 'gateway-cursor-secret-of-at-least-32-chars-9d0a';
const API_KEY = `fqk_0123456789abcdef_${'k'.repeat(43)}`;
const QUERY = '{ orders(limit: 1) { id } }';

interface HttpsAnswer {
  status: number;
  body: string;
  peer: PeerCertificate;
}

interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** One POST /graphql on a fresh TLS connection (no agent: every call makes its own handshake). */
function postGraphql(port: number, tls: ClientTls, headers: Record<string, string> = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        agent: false,
        servername: 'localhost',
        ...tls,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query: QUERY }));
  });
}

describe('gateway over native TLS (src/main.ts as a process, certificates made by openssl, stand-in executor)', () => {
  let certs: TestCertificates;
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let dir: string;
  const received: OperationRequest[] = [];
  let gateway: ServiceProcess | undefined;

  beforeAll(async () => {
    certs = generateTestCertificates();
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    const answer = (msg: Msg): void => {
      received.push(decodeOperationRequest(msg));
      const { data, headers } = encodeOperationReply({ body: '{"data":{"orders":[{"id":"o-1"}]}}', status: 200, schemaHash: 'shop' });
      msg.respond(data, { headers });
    };
    nc.subscribe(OPERATION_SUBJECTS.query, { callback: (_e, m) => answer(m) });
    await nc.flush();
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-gateway-tls-'));
    writeFileSync(join(dir, 'jwt-secret'), `${JWT_SECRET}\n`);
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.dispose();
    certs?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    if (gateway && gateway.child.exitCode === null) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    gateway = undefined;
    received.length = 0;
  });

  /** Starts the gateway with TLS files (copies: a test may replace them) and waits until it is ready. */
  async function startGateway(extra: Record<string, string> = {}): Promise<{ port: number; process: ServiceProcess }> {
    copyFileSync(certs.server.certFile, join(dir, 'tls.crt'));
    copyFileSync(certs.server.keyFile, join(dir, 'tls.key'));
    const [port, opsPort] = [await freePort(), await freePort()];
    gateway = startServiceProcess(MAIN, {
      FRAISEQL_LOG_LEVEL: 'debug',
      FRAISEQL_GATEWAY_PORT: String(port),
      FRAISEQL_GATEWAY_OPS_PORT: String(opsPort),
      FRAISEQL_NATS_URL: nats.url,
      FRAISEQL_SCHEMA_SOURCE: SHOP_SCHEMA,
      FRAISEQL_CURSOR_SECRET: CURSOR_SECRET,
      FRAISEQL_JWT_SECRET_FILE: join(dir, 'jwt-secret'),
      FRAISEQL_AUTH_API_KEYS: 'false',
      FRAISEQL_GATEWAY_TLS_CERT_FILE: join(dir, 'tls.crt'),
      FRAISEQL_GATEWAY_TLS_KEY_FILE: join(dir, 'tls.key'),
      ...extra,
    });
    const started = gateway;
    await Promise.race([
      waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${opsPort}/readyz`).then(
            (r) => r.status,
            () => 0,
          )) === 200,
        30_000,
      ),
      started.exited.then((code) => {
        throw new Error(`gateway exited ${code}: ${started.stderr()}`);
      }),
    ]);
    return { port, process: started };
  }

  const bearer = async (): Promise<string> =>
    new SignJWT({ org_id: ORG, roles: ['staff'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));

  it('answers GraphQL over HTTPS to a client trusting its CA, and refuses plain HTTP and a client trusting another CA', async () => {
    const { port, process: gw } = await startGateway();
    const token = await bearer();

    const ok = await postGraphql(port, { ca: certs.ca.cert }, { authorization: `Bearer ${token}`, cookie: 'sid=gateway-cookie-value' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ data: { orders: [{ id: 'o-1' }] } });
    expect(ok.peer.subject.CN).toBe('localhost');
    // The JWT read through FRAISEQL_JWT_SECRET_FILE authenticated the caller.
    expect(received.at(-1)!.meta.caller).toEqual({ subject: 'alice', orgId: ORG, roles: ['staff'] });

    await expect(fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: '{}' })).rejects.toThrow();
    await expect(postGraphql(port, { ca: certs.foreignCa.cert })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(received).toHaveLength(1);

    // The bad credential is refused (401) and, like the good one, never logged; the access-log line is.
    const refused = await postGraphql(port, { ca: certs.ca.cert }, { authorization: `Bearer ${API_KEY}`, 'x-api-key': API_KEY });
    expect(refused.status).toBe(401);
    const output = gw.stdout() + gw.stderr();
    expect(output).toContain('"msg":"request completed"');
    expect(output).toMatch(/"address":"https:\/\/127\.0\.0\.1:\d+","tls":"tls".*"msg":"gateway listening"/);
    for (const secret of [JWT_SECRET, token, API_KEY.slice(-43), 'gateway-cookie-value', CURSOR_SECRET]) {
      expect(output).not.toContain(secret);
    }
  });

  it('with a client CA, completes the handshake only for a client certificate from that CA (mTLS)', async () => {
    const { port } = await startGateway({
      FRAISEQL_GATEWAY_TLS_CLIENT_CA_FILE: certs.ca.certFile,
      FRAISEQL_DEV_AUTH: '1',
      FRAISEQL_ENV: 'development',
    });
    const dev = { 'x-fraiseql-dev-subject': 'svc', 'x-fraiseql-dev-org': ORG };

    // TLS 1.3: the server's alert (certificate required / unknown CA) reaches the client as that alert or as a reset.
    const refusedAtHandshake = {
      code: expect.stringMatching(/^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ECONNRESET)$/),
    };
    await expect(postGraphql(port, { ca: certs.ca.cert }, dev)).rejects.toMatchObject(refusedAtHandshake);
    await expect(
      postGraphql(port, { ca: certs.ca.cert, cert: certs.foreignClient.cert, key: certs.foreignClient.key }, dev),
    ).rejects.toMatchObject(refusedAtHandshake);
    expect(received).toHaveLength(0);

    const ok = await postGraphql(port, { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key }, dev);
    expect(ok.status).toBe(200);
    expect(received).toHaveLength(1);
  });

  it('serves a renewed certificate to new connections after SIGHUP, without a restart', async () => {
    const { port, process: gw } = await startGateway();
    expect((await postGraphql(port, { ca: certs.ca.cert })).peer.subject.CN).toBe('localhost');

    const renewed = certs.issueServer('renewed.localhost');
    copyFileSync(renewed.certFile, join(dir, 'tls.crt'));
    copyFileSync(renewed.keyFile, join(dir, 'tls.key'));
    gw.child.kill('SIGHUP');
    await waitFor(() => gw.stdout().includes('TLS certificate reloaded (SIGHUP)'), 10_000);

    expect((await postGraphql(port, { ca: certs.ca.cert })).peer.subject.CN).toBe('renewed.localhost');
    expect(gw.child.exitCode).toBeNull();
  });

  it('refuses to start with a certificate and no key, or a JWT secret too short — without printing the secret', async () => {
    const half = startServiceProcess(MAIN, {
      FRAISEQL_NATS_URL: 'nats://127.0.0.1:1',
      FRAISEQL_SCHEMA_SOURCE: SHOP_SCHEMA,
      FRAISEQL_CURSOR_SECRET: CURSOR_SECRET,
      FRAISEQL_GATEWAY_TLS_CERT_FILE: certs.server.certFile,
    });
    expect(await half.exited).toBe(1);
    expect(half.stderr()).toContain(
      'FRAISEQL_GATEWAY_TLS_KEY_FILE: set both FRAISEQL_GATEWAY_TLS_CERT_FILE and FRAISEQL_GATEWAY_TLS_KEY_FILE, or neither',
    );

    const shortSecret = 'short-jwt-secret-value';
    const short = startServiceProcess(MAIN, { FRAISEQL_NATS_URL: 'nats://127.0.0.1:1', FRAISEQL_JWT_SECRET: shortSecret });
    expect(await short.exited).toBe(1);
    expect(short.stderr()).toContain('FRAISEQL_JWT_SECRET: must be at least 32 characters (value not shown: secret)');
    expect(short.stderr()).not.toContain(shortSecret);
  });
});
