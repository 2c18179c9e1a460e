import crypto from 'node:crypto';
import { canonicalize } from '@cairn/verify';
import { CairnError } from '../errors/catalog.js';

/** Pieces of canonical text handed to the store at about this size (characters): small enough to stay out of V8's large-object space, so they die young. */
export const PART_CHARS = 1 << 16;
/** Longest object line of a streamed manifest, in characters. */
export const OBJECT_LINE_LIMIT = 16 * 1024;
/** The most objects one streamed manifest may list. */
export const MAX_STREAMED_OBJECTS = 10_000_000;
const MAX_PATH = 4096;
const SHA256 = /^[0-9a-f]{64}$/;
const KEYS = new Set(['path', 'size', 'sha256']);

/** What a complete manifest comes to: its digest (as `manifestDigest` computes it), count and bytes. */
export interface ManifestSummary {
  readonly digest: string;
  readonly objectCount: number;
  readonly totalBytes: number;
}

function invalid(line: number, path: string, message: string): CairnError {
  return new CairnError('manifest_invalid', `manifest line ${line}${path ? ` (${path})` : ''}: ${message}`, { details: { issues: [{ line, path, message }] } });
}

/** Anything JSON.stringify escapes as `\\uXXXX` in the surrogate range, or a backslash followed by such text. */
const MAYBE_LONE_SURROGATE = /\\u[dD][89a-fA-F]/;

/**
 * RFC 8785 of `{ path, size, sha256 }`, validated: keys in code-unit order (path, sha256, size),
 * strings escaped exactly as JSON.stringify escapes them (§3.2.2.2), a safe integer as
 * Number::toString writes it (§3.2.2.3). Written out rather than through `canonicalize` because
 * it runs half a million times for one manifest; a path that may hold a lone surrogate takes the
 * general route, which refuses it. A property test holds the two equal.
 */
function canonicalObject(line: number, path: string, size: number, sha256: string): string {
  const quoted = JSON.stringify(path);
  if (MAYBE_LONE_SURROGATE.test(quoted)) {
    try {
      return canonicalize({ path, size, sha256 });
    } catch (err) {
      throw invalid(line, '', `path cannot be canonicalised (RFC 8785): ${(err as Error).message}`);
    }
  }
  return `{"path":${quoted},"sha256":"${sha256}","size":${size}}`;
}

/**
 * Builds the canonical manifest of `@cairn/verify`'s `canonicalManifest` one object at a time,
 * without ever holding the list: `{"objects":[` + each object's RFC 8785 form, comma-separated,
 * + `]}`. That is the canonical text only if the objects arrive sorted by path (UTF-16 code
 * units, as JCS and JavaScript compare strings), so the caller must send them sorted; an
 * object out of order or repeated is refused with its line, since sorting would need them all.
 */
export class ManifestAccumulator {
  readonly #hash = crypto.createHash('sha256');
  #pending: string[] = [];
  #pendingChars = 0;
  #count = 0;
  #totalBytes = 0;
  #previous: { path: string; line: number } | undefined;

  constructor() {
    this.#emit('{"objects":[');
  }

  /** One object, as parsed from line `line`; throws `manifest_invalid` naming the line. */
  add(line: number, value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(line, '', 'expected an object { path, size, sha256 }');
    const o = value as Record<string, unknown>;
    const path = typeof o['path'] === 'string' ? o['path'] : '';
    const unknown = Object.keys(o).filter((k) => !KEYS.has(k));
    if (unknown.length > 0) throw invalid(line, path, `unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
    if (typeof o['path'] !== 'string' || path.length === 0) throw invalid(line, '', 'path is empty');
    if (path.length > MAX_PATH) throw invalid(line, path.slice(0, 100), `path is longer than ${MAX_PATH} characters`);
    const size = o['size'];
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(line, path, `size ${JSON.stringify(size)} is not a non-negative integer`);
    const sha256 = o['sha256'];
    if (typeof sha256 !== 'string' || !SHA256.test(sha256)) throw invalid(line, path, `sha256 ${JSON.stringify(sha256)} is not 64 lowercase hex digits`);
    const previous = this.#previous;
    if (previous && path === previous.path) throw invalid(line, path, `duplicate path (first at ${previous.line})`);
    if (previous && path < previous.path) throw invalid(line, path, `out of order: objects are sent sorted by path, and this one sorts before ${JSON.stringify(previous.path)} (line ${previous.line})`);
    if (this.#count >= MAX_STREAMED_OBJECTS) throw invalid(line, path, `a streamed manifest lists at most ${MAX_STREAMED_OBJECTS} objects`);
    if (!Number.isSafeInteger(this.#totalBytes + size)) throw invalid(line, path, 'the total size exceeds 2^53 - 1 bytes');
    this.#emit(this.#count === 0 ? canonicalObject(line, path, size, sha256) : `,${canonicalObject(line, path, size, sha256)}`);
    this.#count += 1;
    this.#totalBytes += size;
    this.#previous = { path, line };
  }

  /** Canonical text gathered so far, once there is about a part's worth (or `all`); else undefined. */
  takePart(all = false): string | undefined {
    if (this.#pendingChars === 0 || (!all && this.#pendingChars < PART_CHARS)) return undefined;
    const part = this.#pending.join('');
    this.#pending = [];
    this.#pendingChars = 0;
    return part;
  }

  /** Closes the manifest: refuses an empty one; the rest of the text is left for `takePart(true)`. */
  finish(): ManifestSummary {
    if (this.#count === 0) throw new CairnError('manifest_invalid', 'a manifest lists at least one object', { details: { issues: [{ line: 0, path: '', message: 'a manifest lists at least one object' }] } });
    this.#emit(']}');
    return { digest: `sha256:${this.#hash.digest('hex')}`, objectCount: this.#count, totalBytes: this.#totalBytes };
  }

  #emit(text: string): void {
    this.#hash.update(text, 'utf8');
    this.#pending.push(text);
    this.#pendingChars += text.length;
  }
}
