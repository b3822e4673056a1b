import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { FraiseqlError } from '@fraiseql/errors';

/** The config keys of a listener's TLS files, and their values (paths; unset = undefined). */
export interface TlsFileKeys {
  /** e.g. `['FRAISEQL_GATEWAY_TLS_CERT_FILE', value]` */
  cert: readonly [key: string, path: string | undefined];
  key: readonly [key: string, path: string | undefined];
  /** CA bundle that client certificates must chain to: set = clients must present one (mTLS). */
  clientCa?: readonly [key: string, path: string | undefined];
}

/** PEM contents of a listener's certificate chain, private key and (mTLS) client CA bundle. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

/**
 * Reads a listener's TLS files: none set = plain TCP (undefined); certificate and key must come together; a client CA
 * needs both. Fails fast with FRAISEQL_CONFIG_INVALID naming the key (unreadable file, key not matching the
 * certificate, not PEM) — never printing a file's content.
 */
export function readTlsFiles(service: string, keys: TlsFileKeys): TlsFiles | undefined {
  const [certKey, certPath] = keys.cert;
  const [keyKey, keyPath] = keys.key;
  const [caKey, caPath] = keys.clientCa ?? ['', undefined];
  if (certPath === undefined && keyPath === undefined) {
    if (caPath !== undefined) invalid(service, caKey, `needs ${certKey} and ${keyKey} (client certificates are checked only over TLS)`);
    return undefined;
  }
  if (certPath === undefined || keyPath === undefined) {
    invalid(service, certPath === undefined ? certKey : keyKey, `set both ${certKey} and ${keyKey}, or neither`);
  }
  const files: TlsFiles = { cert: readPem(service, certKey, certPath), key: readPem(service, keyKey, keyPath) };
  if (caPath !== undefined) files.clientCa = readPem(service, caKey, caPath);
  try {
    createSecureContext({ cert: files.cert, key: files.key, ...(files.clientCa ? { ca: files.clientCa } : {}) });
  } catch (error) {
    // OpenSSL's reason (e.g. "key values mismatch"), which names no content.
    invalid(service, `${certKey}/${keyKey}`, `not a usable certificate and key: ${(error as Error).message}`);
  }
  return files;
}

function readPem(service: string, key: string, path: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    invalid(service, key, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (!content.includes('-----BEGIN ')) invalid(service, key, `${path} is not a PEM file`);
  return content;
}

function invalid(service: string, key: string, reason: string): never {
  throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `Invalid configuration for service ${service}:\n  - ${key}: ${reason}`, {
    details: { service, problems: [{ key, reason }] },
  });
}
