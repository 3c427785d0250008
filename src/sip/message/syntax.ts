/**
 * Character classes and small scanning helpers shared by the SIP message parsers (RFC 3261 §25.1).
 * Everything works with index arithmetic and lookup tables: no regular expressions with nested
 * quantifiers, so no input can make scanning super-linear.
 */

function table(chars: string, alnum = true): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
    for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
    for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

const TOKEN = table("-.!%*_+`'~");
// RFC 3261 §25.1: word, used by Call-ID.
const WORD = table('-.!%*_+`\'~()<>:\\"/[]?{}');
const UNRESERVED = table("-_.!~*'()");

function inTable(t: Uint8Array, s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] !== 1) return false;
  }
  return true;
}

export function isTokenCode(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isToken(s: string): boolean {
  return inTable(TOKEN, s);
}

export function isWord(s: string): boolean {
  return inTable(WORD, s);
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Decimal value of a digit string if it is at most `max`, else null (guards against overflow). */
export function parseBoundedInt(s: string, max: number): number | null {
  if (!isDigits(s)) return null;
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 0x30) i++;
  const digits = s.slice(i);
  if (digits.length > 16) return null;
  const n = Number(digits);
  return n <= max ? n : null;
}

/** A port: 1 to 65535 (port 0 names no destination; dgram throws on it). */
export function parsePort(s: string): number | null {
  const port = parseBoundedInt(s, 65535);
  return port === null || port === 0 ? null : port;
}

export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Strip SP and HTAB only. String.prototype.trim() would also eat characters such as U+FEFF that
 * are legitimate header content (RFC 4475 §3.1.1.2).
 */
export function trimWs(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isWs(s.charCodeAt(start))) start++;
  while (end > start && isWs(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Cursor over a header value, which the parser has already unfolded to a single line. */
export class Scanner {
  pos = 0;
  constructor(readonly s: string) {}

  eof(): boolean {
    return this.pos >= this.s.length;
  }

  peek(): number {
    return this.pos < this.s.length ? this.s.charCodeAt(this.pos) : -1;
  }

  skipWs(): void {
    while (this.pos < this.s.length && isWs(this.s.charCodeAt(this.pos))) this.pos++;
  }

  /** Consume `c` surrounded by optional whitespace (RFC 3261 §25.1 SEMI, EQUAL, SLASH, COLON…). */
  sep(c: number): boolean {
    const start = this.pos;
    this.skipWs();
    if (this.peek() !== c) {
      this.pos = start;
      return false;
    }
    this.pos++;
    this.skipWs();
    return true;
  }

  token(): string {
    const start = this.pos;
    while (this.pos < this.s.length && isTokenCode(this.s.charCodeAt(this.pos))) this.pos++;
    return this.s.slice(start, this.pos);
  }

  /** Characters up to (not including) the first one of `stops` or whitespace. */
  until(stops: string): string {
    const start = this.pos;
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (isWs(c) || stops.includes(this.s[this.pos] ?? '')) break;
      this.pos++;
    }
    return this.s.slice(start, this.pos);
  }

  /**
   * A quoted-string starting at the cursor, unescaped, or null if unterminated.
   * RFC 3261 §25.1: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F).
   */
  quoted(): string | null {
    if (this.peek() !== 0x22) return null;
    let i = this.pos + 1;
    let out = '';
    let chunk = i;
    while (i < this.s.length) {
      const c = this.s.charCodeAt(i);
      if (c === 0x22) {
        out += this.s.slice(chunk, i);
        this.pos = i + 1;
        return out;
      }
      if (c === 0x5c) {
        if (i + 1 >= this.s.length) return null;
        out += this.s.slice(chunk, i);
        chunk = i + 1;
        i += 2;
        continue;
      }
      i++;
    }
    return null;
  }
}

/** Quote a string for a quoted-string position, escaping `"` and `\`. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  return `${out}"`;
}

/**
 * Split a header value on commas that separate list elements (RFC 3261 §7.3.1), never inside a
 * quoted-string or between `<` and `>`. Empty elements are dropped.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) {
      inQuote = true;
    } else if (c === 0x3c) {
      inAngle = true;
    } else if (c === 0x3e) {
      inAngle = false;
    } else if (c === 0x2c && !inAngle) {
      const part = trimWs(value.slice(start, i));
      if (part) out.push(part);
      start = i + 1;
    }
  }
  const last = trimWs(value.slice(start));
  if (last) out.push(last);
  return out;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Decode `%xx` escapes (as UTF-8), or null if an escape is malformed (RFC 3261 §25.1 escaped). */
export function percentDecode(s: string): string | null {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexVal(s.charCodeAt(i + 1));
      const lo = hexVal(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return null;
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(s[i] ?? '', 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Escape form used for comparisons (RFC 3261 §19.1.4): escapes of unreserved characters are
 * decoded, every other escape is kept with upper-case hex, so `%41` equals `A` but `%3B` ≠ `;`.
 * Null if an escape is malformed.
 */
export function normalizeEscapes(s: string): string | null {
  if (!s.includes('%')) return s;
  let out = '';
  let chunk = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== 0x25) continue;
    const hi = hexVal(s.charCodeAt(i + 1));
    const lo = hexVal(s.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return null;
    const code = hi * 16 + lo;
    out += s.slice(chunk, i);
    out +=
      code < 128 && UNRESERVED[code] === 1
        ? String.fromCharCode(code)
        : `%${s.slice(i + 1, i + 3).toUpperCase()}`;
    chunk = i + 3;
    i += 2;
  }
  return out + s.slice(chunk);
}

/** Escape every character of `s` that is not allowed verbatim by `allowed` (plus alphanumerics). */
export function percentEncode(s: string, allowed: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const ok = b < 128 && (UNRESERVED[b] === 1 || allowed.includes(String.fromCharCode(b)));
    out += ok ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
