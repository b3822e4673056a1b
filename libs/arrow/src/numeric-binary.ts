import { FraiseqlError } from '@fraiseql/errors';

// PostgreSQL's binary numeric: int16 ndigits, int16 weight, uint16 sign, int16 dscale, then
// ndigits base-10000 digits (int16); value = Σ digit[i] × 10000^(weight − i).
const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

const ASCII_0 = 48;
const TEXT_NAN = [78, 97, 78]; // NaN
const TEXT_INF = [73, 110, 102, 105, 110, 105, 116, 121]; // Infinity

/** An upper bound of the text length of the numeric at `offset` (to size the buffer first). */
export function numericTextBound(view: DataView, offset: number): number {
  const weight = view.getInt16(offset + 2);
  const dscale = view.getUint16(offset + 6);
  return 10 + Math.max(weight + 1, 1) * 4 + dscale;
}

/**
 * Writes the numeric at `offset` as PostgreSQL's own text form (`numeric::text`: digits,
 * `dscale` fractional digits, `NaN`, `Infinity`, `-Infinity`) into `out` at `at`, with no
 * intermediate string. Returns the number of bytes written.
 */
export function writeNumericText(view: DataView, offset: number, out: Uint8Array, at: number): number {
  const ndigits = view.getInt16(offset);
  const weight = view.getInt16(offset + 2);
  const sign = view.getUint16(offset + 4);
  const dscale = view.getUint16(offset + 6);
  const digitsAt = offset + 8;
  let p = at;
  if (sign === NUMERIC_NAN) {
    for (const b of TEXT_NAN) out[p++] = b;
    return p - at;
  }
  if (sign === NUMERIC_PINF || sign === NUMERIC_NINF) {
    if (sign === NUMERIC_NINF) out[p++] = 45;
    for (const b of TEXT_INF) out[p++] = b;
    return p - at;
  }
  if (sign === NUMERIC_NEG) out[p++] = 45; // '-'
  // Integer part: the first group unpadded, the next ones as four digits.
  if (weight < 0) {
    out[p++] = ASCII_0;
  } else {
    for (let i = 0; i <= weight; i++) {
      const digit = i < ndigits ? view.getInt16(digitsAt + 2 * i) : 0;
      if (i === 0) {
        p = writeUnpadded(out, p, digit);
      } else {
        p = writeFour(out, p, digit);
      }
    }
  }
  if (dscale > 0) {
    out[p++] = 46; // '.'
    let written = 0;
    for (let i = weight + 1; written < dscale; i++) {
      const digit = i >= 0 && i < ndigits ? view.getInt16(digitsAt + 2 * i) : 0;
      let div = 1000;
      for (let k = 0; k < 4 && written < dscale; k++, written++) {
        out[p++] = ASCII_0 + (Math.floor(digit / div) % 10);
        div /= 10;
      }
    }
  }
  return p - at;
}

function writeUnpadded(out: Uint8Array, p: number, digit: number): number {
  if (digit >= 1000) out[p++] = ASCII_0 + Math.floor(digit / 1000);
  if (digit >= 100) out[p++] = ASCII_0 + (Math.floor(digit / 100) % 10);
  if (digit >= 10) out[p++] = ASCII_0 + (Math.floor(digit / 10) % 10);
  out[p++] = ASCII_0 + (digit % 10);
  return p;
}

function writeFour(out: Uint8Array, p: number, digit: number): number {
  out[p++] = ASCII_0 + Math.floor(digit / 1000);
  out[p++] = ASCII_0 + (Math.floor(digit / 100) % 10);
  out[p++] = ASCII_0 + (Math.floor(digit / 10) % 10);
  out[p++] = ASCII_0 + (digit % 10);
  return p;
}

const TWO_32 = 4294967296;
const POW10 = [1, 10, 100, 1000, 10000];

/**
 * Writes the numeric at `offset` as a Decimal128 with `scale` (the unscaled integer,
 * two's complement, four little-endian uint32 words) into `words` at word index `at`.
 * Values of up to 15 digits are computed with plain numbers; wider ones with BigInt.
 * NaN and ±Infinity have no Decimal128 form: they raise an error naming the column.
 */
export function writeNumericDecimal128(
  view: DataView,
  offset: number,
  scale: number,
  wide: boolean,
  words: Uint32Array,
  at: number,
  columnName: string,
): void {
  const ndigits = view.getInt16(offset);
  const weight = view.getInt16(offset + 2);
  const sign = view.getUint16(offset + 4);
  if (sign !== NUMERIC_POS && sign !== NUMERIC_NEG) {
    throw new FraiseqlError(
      'FRAISEQL_DB_INVALID_INPUT',
      `Column "${columnName}" holds NaN or Infinity, which Arrow Decimal128 cannot represent; select it as numeric::text to export it`,
      { details: { column: columnName } },
    );
  }
  const digitsAt = offset + 8;
  const lastGroup = -Math.ceil(scale / 4);
  if (!wide) {
    let acc = 0;
    for (let e = weight >= 0 ? weight : -1; e >= lastGroup; e--) {
      const i = weight - e;
      const digit = i >= 0 && i < ndigits ? view.getInt16(digitsAt + 2 * i) : 0;
      const keep = e >= 0 ? 4 : Math.min(4, scale + 4 * (e + 1));
      acc = acc * POW10[keep]! + Math.floor(digit / POW10[4 - keep]!);
    }
    const lo = acc % TWO_32;
    const hi = (acc - lo) / TWO_32;
    words[at] = lo;
    words[at + 1] = hi;
    words[at + 2] = 0;
    words[at + 3] = 0;
    if (sign === NUMERIC_NEG) negate128(words, at);
    return;
  }
  let big = 0n;
  for (let e = weight >= 0 ? weight : -1; e >= lastGroup; e--) {
    const i = weight - e;
    const digit = i >= 0 && i < ndigits ? view.getInt16(digitsAt + 2 * i) : 0;
    const keep = e >= 0 ? 4 : Math.min(4, scale + 4 * (e + 1));
    big = big * BigInt(POW10[keep]!) + BigInt(Math.floor(digit / POW10[4 - keep]!));
  }
  if (sign === NUMERIC_NEG) big = -big;
  const bits = BigInt.asUintN(128, big);
  for (let k = 0; k < 4; k++) words[at + k] = Number(BigInt.asUintN(32, bits >> BigInt(32 * k)));
}

function negate128(words: Uint32Array, at: number): void {
  let carry = 1;
  for (let k = 0; k < 4; k++) {
    const v = (~words[at + k]! >>> 0) + carry;
    words[at + k] = v >>> 0;
    carry = v > 0xffffffff ? 1 : 0;
  }
}
