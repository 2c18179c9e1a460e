/**
 * The members of the archive other than manifest.json and manifest.sig, in name order, with
 * their sizes and SHA-256 digests. Kept in typed arrays, and entries by index rather than by
 * name: tens of thousands of strings would only give the garbage collector work.
 */
export class MemberList {
  #count = 0;
  // 0: a member named in #others; 1: entries/N.json; 2: entries/N.tlog-proof (N in #ref).
  #kind = new Uint8Array(1024);
  #ref = new Float64Array(1024);
  #size = new Float64Array(1024);
  #digests = Buffer.alloc(32 * 1024);
  readonly #others: string[] = [];

  get length(): number {
    return this.#count;
  }

  /** A member that is not an entry; `digest` is the raw SHA-256 as a latin1 ('binary') string. */
  add(path: string, size: number, digest: string): void {
    this.#add(0, this.#others.length, size, digest);
    this.#others.push(path);
  }

  /** entries/N.json (or, with `proof`, entries/N.tlog-proof). */
  addEntry(index: number, proof: boolean, size: number, digest: string): void {
    this.#add(proof ? 2 : 1, index, size, digest);
  }

  path(i: number): string {
    const kind = this.#kind[i];
    const ref = this.#ref[i] as number;
    return kind === 0 ? (this.#others[ref] as string) : entryPath(ref, kind === 2 ? 'tlog-proof' : 'json');
  }

  size(i: number): number {
    return this.#size[i] as number;
  }

  /** Lowercase hex SHA-256 of member `i`. */
  digest(i: number): string {
    return this.#digests.toString('hex', i * 32, i * 32 + 32);
  }

  // The comparisons below run once per member and make no strings: at tens of thousands of
  // members, building each name and digest to compare it costs more than the rest of the check.

  /** Is `path` the name of member `i`? */
  hasPath(i: number, path: string): boolean {
    const kind = this.#kind[i];
    if (kind === 0) return path === this.#others[this.#ref[i] as number];
    const suffix = kind === 2 ? '.tlog-proof' : '.json';
    if (path.length !== 20 + suffix.length || !path.startsWith('entries/') || !path.endsWith(suffix)) return false;
    let n = 0;
    for (let k = 8; k < 20; k++) {
      const digit = path.charCodeAt(k) - 0x30;
      if (digit < 0 || digit > 9) return false;
      n = n * 10 + digit;
    }
    return n === this.#ref[i];
  }

  /** Is `hex` the lowercase hex SHA-256 of member `i`? */
  hasDigest(i: number, hex: string): boolean {
    return hex === this.digest(i);
  }

  /**
   * If `bytes` at `at` hold member `i`'s `sha256sum` line (`HEX  PATH` and a newline), where
   * the line ends; else -1.
   */
  sumLineAt(i: number, bytes: Buffer, at: number): number {
    if (at + 67 > bytes.length) return -1;
    const d = this.#digests;
    for (let k = 0; k < 32; k++) {
      const b = d[i * 32 + k] as number;
      if (bytes[at + 2 * k] !== HEX[b >> 4] || bytes[at + 2 * k + 1] !== HEX[b & 15]) return -1;
    }
    if (bytes[at + 64] !== 0x20 || bytes[at + 65] !== 0x20) return -1;
    let p = at + 66;
    const kind = this.#kind[i];
    if (kind === 0) {
      const path = this.#others[this.#ref[i] as number] as string; // ASCII: the layout allows nothing else
      for (let k = 0; k < path.length; k++) if (bytes[p + k] !== path.charCodeAt(k)) return -1;
      p += path.length;
    } else {
      const suffix = kind === 2 ? PROOF_SUFFIX : JSON_SUFFIX;
      if (p + 20 + suffix.length > bytes.length) return -1;
      for (let k = 0; k < 8; k++) if (bytes[p + k] !== ENTRIES[k]) return -1;
      let n = 0;
      for (let k = 8; k < 20; k++) {
        const digit = (bytes[p + k] as number) - 0x30;
        if (digit < 0 || digit > 9) return -1;
        n = n * 10 + digit;
      }
      if (n !== this.#ref[i]) return -1;
      for (let k = 0; k < suffix.length; k++) if (bytes[p + 20 + k] !== suffix[k]) return -1;
      p += 20 + suffix.length;
    }
    return bytes[p] === 0x0a ? p + 1 : -1;
  }

  #add(kind: number, ref: number, size: number, digest: string): void {
    const i = this.#count;
    if (i === this.#kind.length) {
      this.#kind = grow(this.#kind, new Uint8Array(2 * i));
      this.#ref = grow(this.#ref, new Float64Array(2 * i));
      this.#size = grow(this.#size, new Float64Array(2 * i));
      this.#digests = grow(this.#digests, Buffer.alloc(64 * i));
    }
    this.#kind[i] = kind;
    this.#ref[i] = ref;
    this.#size[i] = size;
    const d = this.#digests;
    for (let k = 0; k < 32; k++) d[i * 32 + k] = digest.charCodeAt(k);
    this.#count = i + 1;
  }
}

/** `entries/` + the index zero-padded to 12 digits, so that name order is index order. */
export function entryPath(index: number, ext: 'json' | 'tlog-proof'): string {
  return `entries/${String(index).padStart(12, '0')}.${ext}`;
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const ENTRIES = Buffer.from('entries/', 'latin1');
const JSON_SUFFIX = Buffer.from('.json', 'latin1');
const PROOF_SUFFIX = Buffer.from('.tlog-proof', 'latin1');

function grow<T extends Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
