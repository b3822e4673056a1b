import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key: PEM paths (for a service's *_FILE keys) and contents (for a client). */
export interface TestKeyPair {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

export interface TestCertificates {
  dir: string;
  /** The CA that signed `server` and `client`. */
  ca: TestKeyPair;
  /** CN=localhost, subjectAltName DNS:localhost and IP:127.0.0.1, serverAuth. */
  server: TestKeyPair;
  /** CN=fraiseql-test-client, clientAuth, signed by `ca`. */
  client: TestKeyPair;
  /** Another CA, unknown to the services. */
  foreignCa: TestKeyPair;
  /** A client certificate signed by `foreignCa`: well-formed, but not one a service trusts. */
  foreignClient: TestKeyPair;
  /** Signs one more server certificate with `ca` (a renewal), under another CN. */
  issueServer(commonName: string): TestKeyPair;
  dispose(): void;
}

/**
 * Certificates made at run time with the `openssl` CLI (P-256 keys, valid two days) in a temp directory: a CA, a
 * server certificate for 127.0.0.1/localhost, a client certificate from that CA, and a client certificate from a
 * foreign CA. Nothing is checked in, so nothing expires in the repository.
 */
export function generateTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'fraiseql-certs-'));
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const pair = (name: string): TestKeyPair => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
  };
  const newKey = (name: string): string[] => [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
  ];
  const makeCa = (name: string, cn: string): TestKeyPair => {
    openssl('req', '-x509', ...newKey(name), '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`);
    return pair(name);
  };
  const issue = (name: string, cn: string, ca: string, extensions: string): TestKeyPair => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl('req', '-new', ...newKey(name), '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(
      'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`,
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`,
    ); // prettier-ignore
    return pair(name);
  };
  const serverExtensions = 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
  const clientExtensions = 'extendedKeyUsage=clientAuth\n';

  const ca = makeCa('ca', 'FraiseQL Test CA');
  const foreignCa = makeCa('foreign-ca', 'Foreign Test CA');
  let servers = 0;
  return {
    dir,
    ca,
    server: issue('server', 'localhost', 'ca', serverExtensions),
    client: issue('client', 'fraiseql-test-client', 'ca', clientExtensions),
    foreignCa,
    foreignClient: issue('foreign-client', 'fraiseql-test-client', 'foreign-ca', clientExtensions),
    issueServer: (commonName) => issue(`server-${++servers}`, commonName, 'ca', serverExtensions),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
