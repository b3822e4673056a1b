import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecretResolver, type SecretResolver } from '@fraiseql/observer-rules';

/** A file name a secret reference may name: no path, no hidden files (a Kubernetes Secret mounts `..data` links). */
const SECRET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/;
const CACHE_MS = 10_000;

/**
 * `{ env }` references from the worker's environment, `{ secret }` references from files in `dir` (one file
 * per secret, as a mounted Kubernetes Secret gives them; a trailing newline is dropped). Files are read again
 * after 10 s, so a rotated secret takes effect without a restart. Without a directory, every secret is unknown.
 */
export function secretsFromDirectory(dir: string | undefined, env: NodeJS.ProcessEnv = process.env): SecretResolver {
  const fromEnv = createSecretResolver({ env });
  const cache = new Map<string, { value: string | undefined; at: number }>();
  return {
    async resolve(ref) {
      if (!('secret' in ref)) return fromEnv.resolve(ref);
      if (!dir || !SECRET_NAME.test(ref.secret)) return undefined;
      const hit = cache.get(ref.secret);
      if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
      let value: string | undefined;
      try {
        value = (await readFile(join(dir, ref.secret), 'utf8')).replace(/\r?\n$/, '');
      } catch {
        value = undefined;
      }
      cache.set(ref.secret, { value, at: Date.now() });
      return value;
    },
  };
}
