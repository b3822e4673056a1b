import type { ValueRef } from './observer-rule';

/**
 * Resolves the references of a rule (`{ env }`, `{ secret }`) when an action is rendered. The rule
 * holds only names; the values live in the worker's environment and its secret store.
 */
export interface SecretResolver {
  /** The value, or undefined when the name is unknown (rendering then fails naming the reference). */
  resolve(ref: ValueRef): string | undefined | Promise<string | undefined>;
}

export interface StaticSecretResolverOptions {
  /** Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Secrets by name (from a mounted secret file, a vault client, …). */
  secrets?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
}

/** A resolver over an environment and a secret map; `{ env, default }` falls back to its default. */
export function createSecretResolver(options: StaticSecretResolverOptions = {}): SecretResolver {
  const env = options.env ?? process.env;
  const secrets = options.secrets instanceof Map ? options.secrets : new Map(Object.entries(options.secrets ?? {}));
  return {
    resolve(ref) {
      if ('secret' in ref) return secrets.get(ref.secret);
      const value = Object.hasOwn(env, ref.env) ? env[ref.env] : undefined;
      return value === undefined || value === '' ? ref.default : value;
    },
  };
}

export function isValueRef(value: unknown): value is ValueRef {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return typeof (value as { env?: unknown }).env === 'string' || typeof (value as { secret?: unknown }).secret === 'string';
}

export function describeRef(ref: ValueRef): string {
  return 'secret' in ref ? `secret "${ref.secret}"` : `environment variable ${ref.env}`;
}
