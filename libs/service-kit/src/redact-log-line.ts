/** What a masked secret reads as in a log line. */
export const REDACTED = '[REDACTED]';

/** Headers that carry credentials, in requests and responses. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];

/**
 * pino redaction paths for credential headers: a `headers` object logged on its own, or one level down
 * (`req.headers`, `res.headers`, `request.headers`, `response.headers`, `webhook.headers`, …).
 */
export const CREDENTIAL_HEADER_PATHS: string[] = CREDENTIAL_HEADERS.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`]);

/** Values shorter than this are not searched for: masking every "abc" in every line would wreck the logs, not guard them. */
export const MIN_REDACTED_VALUE_LENGTH = 6;

/** `scheme://user:password@` — the password of any URL in a line, whatever key or message holds it. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/"'<>\\]*):[^\s@/"'<>\\]+@/gi;

/** Masks the password of every URL in a text (`postgres://app:s3cret@db/x` → `postgres://app:[REDACTED]@db/x`). */
export function maskUrlPasswords(text: string): string {
  return text.includes('://') ? text.replace(URL_PASSWORD, `$1:${REDACTED}@`) : text;
}

/**
 * A signed token: base64url JSON (`eyJ` is `{"`) and a signature — a JWT (three parts), an export download token
 * (`<claims>.<signature>`, in `/v1/exports/<token>` paths): a bearer credential wherever it is quoted.
 */
const SIGNED_TOKEN = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?/g;
/** The secret part of a FraiseQL API key (`fqk_<id>_<secret>`): the id stays, it names the key (`apikey:<id>`). */
const API_KEY_SECRET = /\b(fqk_[0-9a-f]{16}_)[A-Za-z0-9_-]{43}/g;

/** Masks bearer credentials that have a recognisable shape: JWTs and signed links, and the secret half of FraiseQL API keys. */
export function maskCredentials(text: string): string {
  let out = text;
  if (out.includes('eyJ')) out = out.replace(SIGNED_TOKEN, REDACTED);
  if (out.includes('fqk_')) out = out.replace(API_KEY_SECRET, `$1${REDACTED}`);
  return out;
}

/**
 * The scrubber of finished lines: URL passwords, JWTs and API keys, then each secret value as written and as JSON-escaped (a secret
 * with a quote or a backslash appears escaped in a JSON line). Longest first, so a secret that contains another
 * is masked whole. A `String.includes` per secret per line: a handful of secrets cost next to nothing.
 */
export function lineScrubber(values: readonly string[]): (line: string) => string {
  const needles = new Set<string>();
  for (const value of values) {
    if (value.length < MIN_REDACTED_VALUE_LENGTH) continue;
    needles.add(value);
    needles.add(JSON.stringify(value).slice(1, -1));
  }
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  return (line) => {
    let out = maskCredentials(maskUrlPasswords(line));
    for (const needle of ordered) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out;
  };
}
