import { hash } from 'node:crypto';
import { VerifyError } from './error.js';
import { InclusionVerifier, PROOF_LINE_SIZE } from './inclusion-verifier.js';
import { entryPath } from './member-list.js';
import { CheckFailed } from './package-result.js';

// c2sp.org/tlog-proof@v1 as cairn-export/v1 writes it: no `extra` line.
const PROOF_HEADER = Buffer.from('c2sp.org/tlog-proof@v1\nindex ', 'latin1');
const COMMITMENT = '"sha256:';
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
  /** Lowercase hex digests the entries commit to as the JSON string `"sha256:HEX"`. */
  readonly committed = new Set<string>();
  count = 0;
  firstIndex: number | null = null;
  lastIndex: number | null = null;

  readonly #checkpoint: Buffer;
  readonly #size: number;
  readonly #inclusion: InclusionVerifier;
  #pendingIndex = -1;
  #pendingLeafHash = '';
  // Entry times as bytes: the pending entry's, the earliest and the latest so far.
  readonly #pendingTime = Buffer.alloc(TIME_LENGTH);
  readonly #firstTime = Buffer.alloc(TIME_LENGTH);
  readonly #lastTime = Buffer.alloc(TIME_LENGTH);

  /** `checkpointNote` is the package's `checkpoint` file, with the tree size and root hash it states. */
  constructor(checkpointNote: Buffer, treeSize: number, rootHash: Uint8Array) {
    this.#checkpoint = checkpointNote;
    this.#size = treeSize;
    this.#inclusion = new InclusionVerifier(treeSize, rootHash);
  }

  /** Earliest and latest entry time (RFC 3339), null without entries. */
  get firstTime(): string | null {
    return this.count === 0 ? null : this.#firstTime.toString('latin1');
  }

  get lastTime(): string | null {
    return this.count === 0 ? null : this.#lastTime.toString('latin1');
  }

  /** entries/N.json, whose bytes are `buf[start..end)`; `buf[start - 1]` must be 0. */
  entry(index: number, buf: Buffer, start: number, end: number): void {
    this.settle();
    if (index >= this.#size) {
      throw new CheckFailed(entryPath(index, 'json'), 'entry', `index ${index} is not below the checkpoint's tree size ${this.#size}`);
    }
    const time = timeAt(buf, start, end);
    if (time < 0) {
      throw new CheckFailed(entryPath(index, 'json'), 'entry', 'not a ledger entry: the leaf does not end with a "time" member in RFC 3339 UTC with milliseconds');
    }
    for (let i = 0; i < TIME_LENGTH; i++) this.#pendingTime[i] = buf[time + i] as number;
    this.#collectCommitments(buf, start, end);
    // RFC 9162 §2.1.1: the leaf hash is SHA-256(0x00 || leaf bytes); the zero is already there.
    if (buf[start - 1] !== 0) throw new RangeError('the byte before an entry must be 0');
    this.#pendingLeafHash = hash('sha256', buf.subarray(start - 1, end), 'binary');
    this.#pendingIndex = index;
  }

  /** entries/N.tlog-proof, whose bytes are `buf[start..end)`. */
  proof(index: number, buf: Buffer, start: number, end: number): void {
    const path = entryPath(index, 'tlog-proof');
    if (this.#pendingIndex !== index) {
      this.settle();
      throw new CheckFailed(path, 'entry', `there is no ${entryPath(index, 'json')} for this proof`);
    }
    this.#pendingIndex = -1;

    const lines = proofLines(path, index, buf, start, end);
    const checkpoint = this.#checkpoint;
    const tail = end - checkpoint.length;
    if (tail < lines + 1 || buf.compare(checkpoint, 0, checkpoint.length, tail, end) !== 0) {
      throw new CheckFailed(path, 'proof', 'the checkpoint at the end of the proof is not byte-identical to the package checkpoint');
    }
    const length = tail - 1 - lines;
    if (buf[tail - 1] !== 0x0a || length % PROOF_LINE_SIZE !== 0) {
      throw new CheckFailed(path, 'proof', 'the proof hashes are not lines of 44 base64 characters followed by a blank line');
    }
    try {
      this.#inclusion.verify(index, this.#pendingLeafHash, buf, lines, length / PROOF_LINE_SIZE);
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      if (err.code === 'invalid_hash') throw new CheckFailed(path, 'proof', err.message, { cause: err });
      throw new CheckFailed(entryPath(index, 'json'), 'inclusion', `not included in the checkpoint: ${err.message}`, { cause: err });
    }

    const time = this.#pendingTime;
    if (this.count === 0 || time.compare(this.#firstTime) < 0) time.copy(this.#firstTime);
    if (this.count === 0 || time.compare(this.#lastTime) > 0) time.copy(this.#lastTime);
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

  /** Every `"sha256:` followed by 64 characters and `"`: what evidence names are matched against. */
  #collectCommitments(buf: Buffer, start: number, end: number): void {
    // V8's string search beats a loop over the bytes; the leaf's string is short-lived.
    const text = buf.toString('latin1', start, end);
    for (let at = text.indexOf(COMMITMENT); at >= 0; at = text.indexOf(COMMITMENT, at + 1)) {
      const from = start + at + COMMITMENT.length;
      // Evidence names are lowercase hex, so anything else here can never match one. The digest
      // is read from the buffer: a slice of `text` would keep the whole leaf alive in the set.
      if (buf[from + HEX_LENGTH] === 0x22 && from + HEX_LENGTH < end) this.committed.add(buf.toString('latin1', from, from + HEX_LENGTH));
    }
  }
}

/** Checks the lines `c2sp.org/tlog-proof@v1` and `index N`; returns where the hash lines start. */
function proofLines(path: string, index: number, buf: Buffer, start: number, end: number): number {
  const n = PROOF_HEADER.length;
  if (end - start < n || buf.compare(PROOF_HEADER, 0, n, start, start + n) !== 0) {
    throw new CheckFailed(path, 'proof', 'does not start with the lines "c2sp.org/tlog-proof@v1" and "index N" (no extra line)');
  }
  let at = start + n;
  let value = 0;
  while (at < end && at - start - n < 16 && (buf[at] as number) >= 0x30 && (buf[at] as number) <= 0x39) {
    value = value * 10 + (buf[at] as number) - 0x30;
    at++;
  }
  const digits = at - start - n;
  if (digits === 0 || at >= end || buf[at] !== 0x0a || (digits > 1 && buf[start + n] === 0x30) || value !== index) {
    throw new CheckFailed(path, 'proof', `the index line is not "index ${index}"`);
  }
  return at + 1;
}

/**
 * Where the entry's `time` starts in `buf`, or -1. Leaves are RFC 8785 canonical JSON of
 * {actor, body, kind, subject?, time}, whose keys sort `time` last: the leaf ends with
 * `,"time":"YYYY-MM-DDTHH:MM:SS.sssZ"}` (the ledger writes Date.prototype.toISOString). A literal
 * `"time":"` after `,` or `{` cannot sit inside a JSON string, whose quotes are escaped, so this
 * is the top-level member.
 */
function timeAt(buf: Buffer, start: number, end: number): number {
  const time = end - 2 - TIME_LENGTH;
  const key = time - TIME_KEY.length;
  if (key - 1 < start || buf[end - 1] !== 0x7d || buf[end - 2] !== 0x22) return -1;
  const before = buf[key - 1];
  if (before !== 0x2c && before !== 0x7b) return -1;
  for (let i = 0; i < TIME_KEY.length; i++) if (buf[key + i] !== TIME_KEY[i]) return -1;
  for (let i = 0; i < TIME_LENGTH; i++) {
    const b = buf[time + i] as number;
    const want = TIME_PATTERN[i] as number;
    if (want === 0 ? b < 0x30 || b > 0x39 : b !== want) return -1;
  }
  return time;
}
