import { VerifyError } from './error.js';
import { hasLoneSurrogate } from './unicode.js';

// Deep enough for any real document, shallow enough that recursion can never
// exhaust the stack on hostile input (a RangeError must not escape).
const MAX_DEPTH = 1000;

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the one byte sequence that is
 * hashed and signed for a JSON value.
 *
 * Only plain data is accepted: `null`, booleans, finite numbers, well-formed
 * strings, arrays and plain (or null-prototype) objects. `undefined`,
 * functions, symbols, bigints, NaN/Infinity, lone surrogates, class
 * instances (Date, Map, boxed primitives, …), sparse arrays and cycles throw
 * `VerifyError('invalid_json_value')` instead of being silently dropped or
 * coerced as `JSON.stringify` would.
 *
 * @example
 * canonicalize({ b: [1, 2.50, -0], a: 'é' }) // '{"a":"é","b":[1,2.5,0]}'
 */
export function canonicalize(value: unknown): string {
  return serialize(value, 0, new Set());
}

/**
 * UTF-8 bytes of {@link canonicalize}.
 * @example createHash('sha256').update(canonicalBytes(event)).digest()
 */
export function canonicalBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalize(value), 'utf8');
}

function serialize(value: unknown, depth: number, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript Number::toString, which JSON.stringify
      // applies to finite numbers (and which maps -0 to "0").
      if (!Number.isFinite(value)) invalid(`number ${String(value)} has no JSON form`);
      return JSON.stringify(value);
    case 'string':
      return serializeString(value);
    case 'object':
      if (value === null) return 'null';
      return serializeContainer(value, depth, ancestors);
    default:
      return invalid(`${typeof value} is not a JSON value`);
  }
}

function serializeString(text: string): string {
  // RFC 8785 §3.2.2.2: lone surrogates MUST make canonicalization fail (they
  // have no UTF-8 form and break signatures), though JSON.stringify would
  // escape them.
  if (hasLoneSurrogate(text)) invalid('string contains a lone surrogate');
  // RFC 8785 §3.2.2.2: the escaping is exactly ECMAScript JSON.stringify's.
  return JSON.stringify(text);
}

function serializeContainer(value: object, depth: number, ancestors: Set<object>): string {
  if (depth >= MAX_DEPTH) invalid(`nesting deeper than ${MAX_DEPTH}`);
  if (ancestors.has(value)) invalid('cyclic structure');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return serializeArray(value, depth, ancestors);
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      invalid(`${describe(value)} is not a plain object`);
    }
    return serializeObject(value as Record<string, unknown>, depth, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function serializeArray(items: readonly unknown[], depth: number, ancestors: Set<object>): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (!(i in items)) invalid(`array hole at index ${i}`);
    if (i > 0) out += ',';
    out += serialize(items[i], depth + 1, ancestors);
  }
  return out + ']';
}

function serializeObject(object: Record<string, unknown>, depth: number, ancestors: Set<object>): string {
  if (Object.getOwnPropertySymbols(object).length > 0) invalid('object has symbol keys');
  // RFC 8785 §3.2.3: members sorted by key as arrays of UTF-16 code units,
  // which is what the default Array.prototype.sort comparison does.
  const keys = Object.keys(object).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const member = object[key];
    if (member === undefined) invalid(`member "${key}" is undefined`);
    if (i > 0) out += ',';
    out += serializeString(key) + ':' + serialize(member, depth + 1, ancestors);
  }
  return out + '}';
}

function describe(value: object): string {
  const name = (value.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : 'value';
}

function invalid(message: string): never {
  throw new VerifyError('invalid_json_value', message);
}
