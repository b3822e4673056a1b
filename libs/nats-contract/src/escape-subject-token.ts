import { FraiseqlError } from '@fraiseql/errors';

/**
 * Subject-token escaping (docs/architecture.md, "NATS contract"): data placed in a subject must never add a
 * token (`.`), become a wildcard (`*`, `>`) or break the protocol line (whitespace).
 *
 * Scheme: `[A-Za-z0-9_-]` stay as they are; every other character is written as its
 * UTF-8 bytes, each as `~XX` (two upper-case hex digits) — so `~` itself becomes `~7E`.
 * Two reserved spellings keep the mapping injective where a literal would collide:
 * the empty string is `~` (a lone tilde never appears otherwise), and the one-character
 * string `_` is `~5F`, because a bare `_` token means "no org" (see `orgToken`).
 * Decoding accepts only this canonical form, so every valid token has exactly one source.
 */

const PLAIN = /^[A-Za-z0-9_-]$/;
const LONE_SURROGATE = /\p{Surrogate}/u;
const HEX = '0123456789ABCDEF';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // keep a leading U+FEFF: it is data;

export function escapeSubjectToken(value: string): string {
  if (value === '') return '~';
  // A lone surrogate has no UTF-8 form; encoding it would silently turn it into U+FFFD.
  if (LONE_SURROGATE.test(value)) throw malformed(value, 'the value holds a lone UTF-16 surrogate');
  if (value === '_') return '~5F';
  let out = '';
  for (const char of value) {
    if (PLAIN.test(char)) {
      out += char;
      continue;
    }
    for (const byte of encoder.encode(char)) out += `~${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** The inverse of `escapeSubjectToken`; throws FRAISEQL_BAD_MESSAGE for anything it would not produce. */
export function unescapeSubjectToken(token: string): string {
  if (token === '~') return '';
  if (token === '_') throw malformed(token, '"_" is the null-org token, not an escaped value');
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const char = token[i]!;
    if (char === '~') {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw malformed(token, `bad escape at offset ${i}`);
      const byte = parseInt(hex, 16);
      // A plain character spelled as an escape is not canonical (except the reserved "~5F" for "_").
      if (byte < 0x80 && PLAIN.test(String.fromCharCode(byte)) && token !== '~5F')
        throw malformed(token, `non-canonical escape at offset ${i}`);
      bytes.push(byte);
      i += 2;
    } else if (PLAIN.test(char)) {
      bytes.push(char.charCodeAt(0));
    } else {
      throw malformed(token, `character ${JSON.stringify(char)} is not allowed in a token`);
    }
  }
  let value: string;
  try {
    value = decoder.decode(new Uint8Array(bytes));
  } catch (cause) {
    throw malformed(token, 'escapes are not valid UTF-8', cause);
  }
  // Re-encoding must give the same token; rejects e.g. over-long or otherwise odd byte spellings.
  if (escapeSubjectToken(value) !== token) throw malformed(token, 'not in canonical form');
  return value;
}

/** The subject token of an org: escaped id, or `_` for events without a tenant. */
export function orgToken(orgId: string | null): string {
  return orgId === null ? '_' : escapeSubjectToken(orgId);
}

/** The inverse of `orgToken`. */
export function orgFromToken(token: string): string | null {
  return token === '_' ? null : unescapeSubjectToken(token);
}

function malformed(token: string, why: string, cause?: unknown): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Cannot use ${JSON.stringify(token)} as a subject token: ${why}`, {
    cause,
    details: { token },
  });
}
