import { copyBytes, sameBytes, viewOf } from './byte-views.js';

/**
 * The digests that a package's entries commit to as the JSON string `"sha256:HEX"`, which every
 * evidence file must match (docs/exports.md, check 6). A package has tens of thousands of
 * entries and a handful of evidence files, so the digests are kept as bytes, and made strings
 * in a set only when an evidence file asks.
 */
export class Commitments {
  #bytes = Buffer.alloc(64 * 64);
  #view = viewOf(this.#bytes);
  #length = 0;
  readonly #set = new Set<string>();
  #inSet = 0;

  /** Adds the 64 bytes at `from` in `view` (the caller checks they lie inside the entry). */
  add(view: DataView, from: number): void {
    // Neighbouring entries often commit to the same evidence: keep a run of it once.
    if (this.#length > 0 && sameBytes(view, from, this.#view, this.#length - 64, 64)) return;
    if (this.#length === this.#bytes.length) {
      const bigger = Buffer.alloc(2 * this.#bytes.length);
      this.#bytes.copy(bigger);
      this.#bytes = bigger;
      this.#view = viewOf(bigger);
    }
    copyBytes(view, from, this.#view, this.#length, 64);
    this.#length += 64;
  }

  /** Does some entry commit to `hex` (lowercase)? */
  has(hex: string): boolean {
    for (; this.#inSet < this.#length; this.#inSet += 64) this.#set.add(this.#bytes.toString('latin1', this.#inSet, this.#inSet + 64));
    return this.#set.has(hex);
  }
}
