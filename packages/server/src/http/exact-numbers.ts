/**
 * I-JSON (RFC 7493 §2.2): a number is interoperable only if an IEEE 754 double holds it exactly.
 * Cairn stores entries as RFC 8785 canonical JSON, which writes each number as the shortest
 * decimal of its double; a number that is not exactly that decimal would be stored as another
 * value (`9223372036854775808` → `9223372036854776000`, `1e-400` → `0`, `-0` → `0`): the evidence
 * silently altered. So such numbers are refused at the edge, before anything is parsed further.
 */
export function inexactNumbers(json: string, limit = 10): string[] {
  const found: string[] = [];
  const n = json.length;
  let i = 0;
  while (i < n && found.length < limit) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, escapes included.
      i += 1;
      while (i < n) {
        const d = json.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i += 1;
      }
      i += 1;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i < n && isNumberChar(json.charCodeAt(i))) i += 1;
      const token = json.slice(start, i);
      if (!isExact(token)) found.push(token);
    } else {
      i += 1;
    }
  }
  return found;
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

/** The token's decimal value is exactly the double's shortest decimal (ECMA-262 Number::toString), and not -0. */
export function isExact(token: string): boolean {
  const value = Number(token);
  if (!Number.isFinite(value)) return false;
  const a = decimal(token);
  // Zero is exact only when the token is zero (not an underflow such as 1e-400), and not -0.
  if (value === 0) return a !== undefined && a.digits === '' && !a.negative;
  const b = decimal(String(value));
  return a !== undefined && b !== undefined && a.negative === b.negative && a.digits === b.digits && a.exponent === b.exponent;
}

/** A decimal as sign, significant digits (no leading or trailing zeros) and the exponent of the last digit. */
function decimal(text: string): { negative: boolean; digits: string; exponent: number } | undefined {
  const m = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const frac = m[3] ?? '';
  let digits = (m[2]! + frac).replace(/^0+/, '');
  let exponent = Number(m[4] ?? 0) - frac.length;
  const trailing = /0*$/.exec(digits)![0].length;
  if (trailing > 0) {
    digits = digits.slice(0, digits.length - trailing);
    exponent += trailing;
  }
  return { negative: m[1] === '-', digits, exponent };
}
