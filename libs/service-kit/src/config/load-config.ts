import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';
import { commonConfigShape, type CommonConfigShape } from './common-config';
import { isFormattedIssue, issueWithoutValue } from './config-value';
import { servicePrefix, type ConfigDefinition } from './define-config';
import { secretKeysOf, secretPartsOf } from './secret-values';

export interface LoadConfigOptions {
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** A config file path given on the command line; wins over `FRAISEQL_CONFIG_FILE`. */
  argvFile?: string;
}

export type LoadedConfig<S extends z.ZodRawShape> = z.infer<z.ZodObject<z.objectUtil.extendShape<CommonConfigShape, S>>>;

export interface ConfigProblem {
  key: string;
  reason: string;
}

/** `<KEY>_FILE`: the path of a file holding a secret key's value (the Kubernetes Secret volume convention). */
const FILE_SUFFIX = '_FILE';

/**
 * Reads the config of a service: defaults, then the JSON file, then the environment.
 * Fails fast with FRAISEQL_CONFIG_INVALID naming every bad key — unknown keys in the file,
 * unknown env vars under the service's own prefix (typos), and values that do not parse.
 * A secret key (`configValue.secret`) may instead be given as `<KEY>_FILE=/path`; it is never
 * accepted in the config file, and its value never appears in a problem.
 */
export function loadConfig<S extends z.ZodRawShape>(definition: ConfigDefinition<S>, options: LoadConfigOptions = {}): LoadedConfig<S> {
  const env = options.env ?? process.env;
  const schema = z.object(commonConfigShape).extend(definition.schema.shape);
  const known = new Set(Object.keys(schema.shape));
  const secrets = secretKeysOf(schema.shape);
  const problems: ConfigProblem[] = [];

  const filePath = options.argvFile ?? nonEmpty(env.FRAISEQL_CONFIG_FILE);
  const fromFile = filePath === undefined ? {} : readConfigFile(filePath, known, secrets, problems);

  const fromEnv: Record<string, unknown> = {};
  const prefix = definition.envPrefix ?? servicePrefix(definition.service);
  for (const [key, value] of Object.entries(env)) {
    // An empty variable counts as unset: manifests often template keys to "".
    if (nonEmpty(value) === undefined) continue;
    if (known.has(key)) fromEnv[key] = value;
    else if (isSecretFileKey(key, secrets)) fromEnv[key] = value;
    else if (key.endsWith(FILE_SUFFIX) && known.has(key.slice(0, -FILE_SUFFIX.length))) {
      problems.push({ key, reason: notASecretReason(key) });
    } else if (key.startsWith(prefix)) problems.push({ key, reason: unknownKeyReason(key, 'environment', known) });
  }
  if (filePath !== undefined) fromEnv.FRAISEQL_CONFIG_FILE = filePath;

  const merged: Record<string, unknown> = { ...fromFile, ...fromEnv };
  const fromSecretFile = new Set<string>();
  for (const key of secrets) {
    const fileKey = `${key}${FILE_SUFFIX}`;
    const path = merged[fileKey];
    delete merged[fileKey];
    if (path === undefined) continue;
    if (fromEnv[key] !== undefined && fromEnv[fileKey] !== undefined) {
      problems.push({ key, reason: `set both ${key} and ${fileKey}: give one of them` });
      continue;
    }
    // The value in the environment wins over a file named in the config file, as env wins over the file everywhere.
    if (fromEnv[key] !== undefined) continue;
    const value = readSecretFile(fileKey, path, problems);
    if (value !== undefined) {
      merged[key] = value;
      fromSecretFile.add(key);
    }
  }

  const result = schema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '(root)');
      const raw = merged[key];
      let reason: string;
      if (secrets.has(key) && raw !== undefined) {
        reason = `${issueWithoutValue(issue)}${fromSecretFile.has(key) ? ` (read from ${key}${FILE_SUFFIX})` : ''}`;
      } else reason = isFormattedIssue(issue) || raw === undefined ? issue.message : `${issue.message}, got ${JSON.stringify(raw)}`;
      problems.push({ key, reason });
    }
  }
  if (problems.length > 0) {
    const lines = problems.map((p) => (p.reason.startsWith('unknown key') ? `  - ${p.reason}` : `  - ${p.key}: ${p.reason}`));
    throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `Invalid configuration for service ${definition.service}:\n${lines.join('\n')}`, {
      details: { service: definition.service, problems },
    });
  }
  return result.data as LoadedConfig<S>;
}

function isSecretFileKey(key: string, secrets: ReadonlySet<string>): boolean {
  return key.endsWith(FILE_SUFFIX) && secrets.has(key.slice(0, -FILE_SUFFIX.length));
}

function notASecretReason(fileKey: string): string {
  const key = fileKey.slice(0, -FILE_SUFFIX.length);
  return `${key} is not a secret key: give its value (in the environment or the config file); only secret keys take ${FILE_SUFFIX}`;
}

/** The file's text without one trailing newline (what `kubectl create secret --from-file` and editors leave). */
function readSecretFile(fileKey: string, path: unknown, problems: ConfigProblem[]): string | undefined {
  if (typeof path !== 'string' || path.trim() === '') {
    problems.push({ key: fileKey, reason: 'expected the path of a file holding the secret' });
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // The error's code (ENOENT, EACCES, EISDIR), never its content: the path is not secret, what it holds is.
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push({ key: fileKey, reason: `cannot read secret file ${path} (${code})` });
    return undefined;
  }
  const value = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  if (value === '') {
    problems.push({ key: fileKey, reason: `secret file ${path} is empty` });
    return undefined;
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readConfigFile(
  path: string,
  known: Set<string>,
  secrets: ReadonlySet<string>,
  problems: ConfigProblem[],
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push({ key: 'FRAISEQL_CONFIG_FILE', reason: `cannot read JSON config file ${path}: ${(error as Error).message}` });
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push({ key: 'FRAISEQL_CONFIG_FILE', reason: `config file ${path} must hold a JSON object of keys` });
    return {};
  }
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    // The file cannot name another file: that would make precedence ambiguous.
    if (key === 'FRAISEQL_CONFIG_FILE') problems.push({ key, reason: `a config file cannot name another config file (in ${path})` });
    else if (isSecretFileKey(key, secrets)) values[key] = value;
    else if (!known.has(key)) problems.push({ key, reason: unknownKeyReason(key, `config file ${path}`, known) });
    // A config file is a ConfigMap or a file in a repository: a secret there is a leak (a URL without a password is fine).
    else if (secrets.has(key) && secretPartsOf(value).length > 0) {
      problems.push({ key, reason: `is a secret: give it in the environment or as ${key}${FILE_SUFFIX}, not in config file ${path}` });
    } else values[key] = value;
  }
  return values;
}

function unknownKeyReason(key: string, source: string, known: Set<string>): string {
  const suggestion = closestKey(key, known);
  return `unknown key ${key} (in ${source})${suggestion ? `; did you mean ${suggestion}?` : ''}`;
}

/** The known key within edit distance 2, to turn a typo into a one-glance fix. */
function closestKey(key: string, known: Set<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
