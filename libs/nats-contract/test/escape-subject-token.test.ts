import { FraiseqlError } from '@fraiseql/errors';
import { escapeSubjectToken, orgFromToken, orgToken, unescapeSubjectToken } from '../src';

const TRICKY = [
  '',
  '_',
  '__',
  '~',
  '~~',
  '~7E',
  '~5F',
  '-',
  '.',
  '..',
  '*',
  '>',
  '*.>',
  'a.b',
  'a b',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\u0000',
  'fraiseql.v1.events.>',
  'org*',
  'Order',
  'order_item',
  'ORDER-ITEM',
  '%41',
  '%',
  '+',
  '/',
  '\\',
  '"',
  "'",
  '$JS',
  '$KV.x',
  'é',
  'e\u0301',
  'Ωmega',
  '日本語',
  '🍓',
  '👨‍👩‍👧',
  '\u00a0',
  '\u2028',
  '\ufeff',
  'a~b',
  'A',
  'a',
  '0',
  '00000000-0000-0000-0000-000000000000',
  'x'.repeat(300),
];

/** Deterministic pseudo-random strings over an alphabet rich in separators, wildcards and escapes. */
function* generated(count: number): Generator<string> {
  const alphabet = ['a', 'Z', '9', '_', '-', '~', '.', '*', '>', ' ', '\t', '\n', '%', 'é', '🍓', '日', '\u0000', '7', 'E', 'F'];
  let seed = 42;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < count; i++) {
    const length = next() % 12;
    let s = '';
    for (let j = 0; j < length; j++) s += alphabet[next() % alphabet.length];
    yield s;
  }
}

const inputs = [...new Set([...TRICKY, ...generated(5000)])];

describe('escapeSubjectToken', () => {
  it('round-trips every input', () => {
    for (const value of inputs) expect(unescapeSubjectToken(escapeSubjectToken(value))).toBe(value);
  });

  it('produces one non-empty token that can never split a subject, be a wildcard or carry whitespace', () => {
    for (const value of inputs) {
      const token = escapeSubjectToken(value);
      expect(token.length).toBeGreaterThan(0);
      expect(token).toMatch(/^[A-Za-z0-9_~-]+$/);
      expect(token).not.toBe('_'); // reserved for "no org"
    }
  });

  it('maps distinct inputs to distinct tokens', () => {
    const tokens = new Map<string, string>();
    for (const value of inputs) {
      const token = escapeSubjectToken(value);
      expect(tokens.get(token) ?? value).toBe(value);
      tokens.set(token, value);
    }
    expect(tokens.size).toBe(inputs.length);
  });

  it('leaves plain names readable and encodes the rest as ~XX UTF-8 bytes', () => {
    expect(escapeSubjectToken('Order')).toBe('Order');
    expect(escapeSubjectToken('order_item-2')).toBe('order_item-2');
    expect(escapeSubjectToken('a.b')).toBe('a~2Eb');
    expect(escapeSubjectToken('*')).toBe('~2A');
    expect(escapeSubjectToken('>')).toBe('~3E');
    expect(escapeSubjectToken('a b')).toBe('a~20b');
    expect(escapeSubjectToken('~')).toBe('~7E');
    expect(escapeSubjectToken('é')).toBe('~C3~A9');
    expect(escapeSubjectToken('')).toBe('~');
    expect(escapeSubjectToken('_')).toBe('~5F');
  });

  it('rejects tokens it would never produce', () => {
    for (const token of ['a.b', '*', '>', 'a b', '~2', '~2e', '~41', 'a~5Fb', '~ZZ', '~C3', '~FF', '_']) {
      expect(() => unescapeSubjectToken(token)).toThrow(FraiseqlError);
    }
  });

  it('refuses a lone surrogate instead of silently altering it', () => {
    expect(() => escapeSubjectToken('\ud800')).toThrow(expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }));
  });

  it('spells a missing org as _ and keeps it apart from an org named "_"', () => {
    expect(orgToken(null)).toBe('_');
    expect(orgToken('_')).toBe('~5F');
    expect(orgFromToken('_')).toBeNull();
    expect(orgFromToken(orgToken('_'))).toBe('_');
  });
});
