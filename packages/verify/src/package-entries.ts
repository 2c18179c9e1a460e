import { hash } from 'node:crypto';
import { range, sameBytes, viewOf } from './byte-views.js';
import { Commitments } from './commitments.js';
import { VerifyError } from './error.js';
import { InclusionVerifier, PROOF_LINE_SIZE } from './inclusion-verifier.js';
import { entryPath } from './member-list.js';
import { CheckFailed } from './package-result.js';

// c2sp.org/tlog-proof@v1 as cairn-export/v1 writes it: no `extra` line.
const PROOF_HEADER = Buffer.from('c2sp.org/tlog-proof@v1\nindex ', 'latin1');
const PROOF_HEADER_VIEW = viewOf(PROOF_HEADER);
const COMMITMENT = Buffer.from('"sha256:', 'latin1');
// How far the search for COMMITMENT may move on, given the byte under its last character
// (Horspool): past that byte if it is not in COMMITMENT, else to align its last occurrence.
const COMMITMENT_SKIP = new Uint8Array(256).fill(COMMITMENT.length);
for (let i = 0; i < COMMITMENT.length - 1; i++) COMMITMENT_SKIP[COMMITMENT[i] as number] = COMMITMENT.length - 1 - i;
const TIME_KEY = Buffer.from('"time":"', 'latin1');
// The ledger's times, RFC 3339 as Date.prototype.toISOString writes them (so they sort as they
// occur): 0 marks a digit.
const TIME_PATTERN = Buffer.from('0000-00-00T00:00:00.000Z', 'latin1').map((b) => (b === 0x30 ? 0 : b));
const TIME_LENGTH = TIME_PATTERN.length;
const HEX_LENGTH = 64;

/**
 * Checks the `entries/N.json` + `entries/N.tlog-proof` pairs as they stream past, in name order
 * (the `.json` sorts just before its proof), keeping only the pending entry and small totals:
 * the proof's index line is N, its checkpoint is byte-identical to `checkpoint`, and it leads
 * from SHA-256(0x00 ‖ leaf) to the checkpoint's root hash (RFC 9162 §2.1.3.2). It also collects
 * every `"sha256:HEX"` string the entries contain, which evidence files must match, and the
 * range of the entries' indices and times.
 */
export class EntryChecker {
  /** The digests the entries commit to as the JSON string `"sha256:HEX"`. */
  readonly committed = new Commitments();
  count = 0;
  firstIndex: number | null = null;
  lastIndex: number | null = null;

  readonly #checkpoint: Buffer;
  readonly #checkpointView: DataView;
  readonly #size: number;
  readonly #inclusion: InclusionVerifier;
  #pendingIndex = -1;
  #pendingLeafHash = '';
  // Entry times, each as its digits read as two numbers (YYYYMMDD, HHMMSSsss), which order them
  // as the text does: the pending entry's, the earliest and the latest so far.
  #pendingDay = 0;
  #pendingMs = 0;
  #firstDay = 0;
  #firstMs = 0;
  #lastDay = 0;
  #lastMs = 0;

  /** `checkpointNote` is the package's `checkpoint` file, with the tree size and root hash it states. */
  constructor(checkpointNote: Buffer, treeSize: number, rootHash: Uint8Array) {
    this.#checkpoint = checkpointNote;
    this.#checkpointView = viewOf(checkpointNote);
    this.#size = treeSize;
    this.#inclusion = new InclusionVerifier(treeSize, rootHash);
  }

  /** Earliest and latest entry time (RFC 3339), null without entries. */
  get firstTime(): string | null {
    return this.count === 0 ? null : timeText(this.#firstDay, this.#firstMs);
  }

  get lastTime(): string | null {
    return this.count === 0 ? null : timeText(this.#lastDay, this.#lastMs);
  }

  /**
   * entries/N.json, whose bytes are `buf[start..end)` (`view` is `buf`'s DataView); `buf[start - 1]`
   * must be 0.
   */
  entry(index: number, buf: Buffer, view: DataView, start: number, end: number): void {
    this.settle();
    if (index >= this.#size) {
      throw new CheckFailed(entryPath(index, 'json'), 'entry', `index ${index} is not below the checkpoint's tree size ${this.#size}`);
    }
    if (!this.#readTime(buf, start, end)) {
      throw new CheckFailed(entryPath(index, 'json'), 'entry', 'not a ledger entry: the leaf does not end with a "time" member in RFC 3339 UTC with milliseconds');
    }
    this.#collectCommitments(buf, view, start, end);
    // RFC 9162 §2.1.1: the leaf hash is SHA-256(0x00 || leaf bytes); the zero is already there.
    if (buf[start - 1] !== 0) throw new RangeError('the byte before an entry must be 0');
    this.#pendingLeafHash = hash('sha256', range(buf, start - 1, end), 'binary');
    this.#pendingIndex = index;
  }

  /** entries/N.tlog-proof, whose bytes are `buf[start..end)` (`view` is `buf`'s DataView). */
  proof(index: number, buf: Buffer, view: DataView, start: number, end: number): void {
    if (this.#pendingIndex !== index) {
      this.settle();
      throw new CheckFailed(entryPath(index, 'tlog-proof'), 'entry', `there is no ${entryPath(index, 'json')} for this proof`);
    }
    this.#pendingIndex = -1;

    const lines = proofLines(index, buf, view, start, end);
    const checkpoint = this.#checkpoint;
    const tail = end - checkpoint.length;
    if (tail < lines + 1 || !sameBytes(view, tail, this.#checkpointView, 0, checkpoint.length)) {
      throw new CheckFailed(entryPath(index, 'tlog-proof'), 'proof', 'the checkpoint at the end of the proof is not byte-identical to the package checkpoint');
    }
    const length = tail - 1 - lines;
    if (buf[tail - 1] !== 0x0a || length % PROOF_LINE_SIZE !== 0) {
      throw new CheckFailed(entryPath(index, 'tlog-proof'), 'proof', 'the proof hashes are not lines of 44 base64 characters followed by a blank line');
    }
    try {
      this.#inclusion.verify(index, this.#pendingLeafHash, buf, lines, length / PROOF_LINE_SIZE, view);
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      if (err.code === 'invalid_hash') throw new CheckFailed(entryPath(index, 'tlog-proof'), 'proof', err.message, { cause: err });
      throw new CheckFailed(entryPath(index, 'json'), 'inclusion', `not included in the checkpoint: ${err.message}`, { cause: err });
    }

    const day = this.#pendingDay;
    const ms = this.#pendingMs;
    if (this.count === 0 || day < this.#firstDay || (day === this.#firstDay && ms < this.#firstMs)) {
      this.#firstDay = day;
      this.#firstMs = ms;
    }
    if (this.count === 0 || day > this.#lastDay || (day === this.#lastDay && ms > this.#lastMs)) {
      this.#lastDay = day;
      this.#lastMs = ms;
    }
    this.count++;
    if (this.firstIndex === null) this.firstIndex = index;
    this.lastIndex = index;
  }

  /** Fails if an entry is still waiting for its proof: call for every other member, and at the end. */
  settle(): void {
    if (this.#pendingIndex >= 0) {
      throw new CheckFailed(entryPath(this.#pendingIndex, 'json'), 'entry', `there is no ${entryPath(this.#pendingIndex, 'tlog-proof')} for this entry`);
    }
  }

  /**
   * Reads the entry's time into #pendingDay and #pendingMs; false if the leaf does not end with
   * one. Leaves are RFC 8785 canonical JSON of {actor, body, kind, subject?, time}, whose keys
   * sort `time` last: the leaf ends with `,"time":"YYYY-MM-DDTHH:MM:SS.sssZ"}` (the ledger writes
   * Date.prototype.toISOString). A literal `"time":"` after `,` or `{` cannot sit inside a JSON
   * string, whose quotes are escaped, so this is the top-level member.
   */
  #readTime(buf: Buffer, start: number, end: number): boolean {
    const time = end - 2 - TIME_LENGTH;
    const key = time - TIME_KEY.length;
    if (key - 1 < start || buf[end - 1] !== 0x7d || buf[end - 2] !== 0x22) return false;
    const before = buf[key - 1];
    if (before !== 0x2c && before !== 0x7b) return false;
    for (let i = 0; i < TIME_KEY.length; i++) if (buf[key + i] !== TIME_KEY[i]) return false;
    let day = 0;
    let ms = 0;
    for (let i = 0; i < TIME_LENGTH; i++) {
      const b = buf[time + i] as number;
      const want = TIME_PATTERN[i] as number;
      if (want !== 0) {
        if (b !== want) return false;
        continue;
      }
      if (b < 0x30 || b > 0x39) return false;
      if (i < 10) day = day * 10 + b - 0x30;
      else ms = ms * 10 + b - 0x30;
    }
    this.#pendingDay = day;
    this.#pendingMs = ms;
    return true;
  }

  /** Every `"sha256:` followed by 64 characters and `"`: what evidence names are matched against. */
  #collectCommitments(buf: Buffer, view: DataView, start: number, end: number): void {
    const n = COMMITMENT.length;
    let i = start;
    while (i + n <= end) {
      const last = buf[i + n - 1] as number;
      if (last === 0x3a && buf[i] === 0x22 && buf[i + 1] === 0x73 && buf[i + 2] === 0x68 && buf[i + 3] === 0x61 && buf[i + 4] === 0x32 && buf[i + 5] === 0x35 && buf[i + 6] === 0x36) {
        const from = i + n;
        // Evidence names are lowercase hex, so anything else here can never match one.
        if (from + HEX_LENGTH < end && buf[from + HEX_LENGTH] === 0x22) this.committed.add(view, from);
        i += n; // '"' occurs only first in COMMITMENT: no match overlaps this one
      } else {
        i += COMMITMENT_SKIP[last] as number;
      }
    }
  }
}

/** Checks the lines `c2sp.org/tlog-proof@v1` and `index N`; returns where the hash lines start. */
function proofLines(index: number, buf: Buffer, view: DataView, start: number, end: number): number {
  const n = PROOF_HEADER.length;
  if (end - start < n || !sameBytes(view, start, PROOF_HEADER_VIEW, 0, n)) {
    throw new CheckFailed(entryPath(index, 'tlog-proof'), 'proof', 'does not start with the lines "c2sp.org/tlog-proof@v1" and "index N" (no extra line)');
  }
  let at = start + n;
  let value = 0;
  while (at < end && at - start - n < 16 && (buf[at] as number) >= 0x30 && (buf[at] as number) <= 0x39) {
    value = value * 10 + (buf[at] as number) - 0x30;
    at++;
  }
  const digits = at - start - n;
  if (digits === 0 || at >= end || buf[at] !== 0x0a || (digits > 1 && buf[start + n] === 0x30) || value !== index) {
    throw new CheckFailed(entryPath(index, 'tlog-proof'), 'proof', `the index line is not "index ${index}"`);
  }
  return at + 1;
}

/** An entry time back as text, from the numbers #readTime made of its digits. */
function timeText(day: number, ms: number): string {
  const d = String(day).padStart(8, '0');
  const t = String(ms).padStart(9, '0');
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}.${t.slice(6, 9)}Z`;
}
