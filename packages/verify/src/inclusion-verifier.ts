import { hash } from 'node:crypto';
import { copyBytes, sameBytes, viewOf } from './byte-views.js';
import { VerifyError } from './error.js';
import { HASH_SIZE } from './merkle.js';
import { requireTreeSize } from './tree-size.js';

/** One hash line of a c2sp.org/tlog-proof: 44 characters of base64 and a newline. */
export const PROOF_LINE_SIZE = 45;

// Sizes are below 2^53, so no path has more than 53 levels.
const LEVELS = 64;
const BASE64 = new Int8Array(256).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64[c.charCodeAt(0)] = i;

/**
 * Verifies many inclusion proofs into one tree (RFC 9162 §2.1.3.2), as a compliance package
 * holds them: one per entry, mostly for neighbouring leaves, so that their paths share all but
 * their lowest nodes.
 *
 * It remembers the last verified path: for each level, the node the path went through, its
 * sibling (both proven by that verification) and where that level's line sits in the proof.
 * When a new proof reaches one of those two nodes with the same hash, and its remaining lines
 * are byte-identical to the remembered proof's lines from that level, the rest of its walk
 * would repeat, step for step, a walk that already ended at the root: it stops hashing there.
 * Nothing is assumed about hash collisions, so this is exactly as strict as walking every proof
 * to the top (rootFromInclusionProof). Memory is one path.
 *
 * The walk is the one of rootFromInclusionProof, written again here because it must stop
 * early, read each sibling straight from its base64 line, and hash into one reused buffer: a
 * package holds tens of thousands of proofs. The tests check the two agree, on the
 * transparency-dev vectors and on random trees. node:crypto returns each hash as a 32-character
 * latin1 string (it costs less than a Buffer); the walk writes it into the node it hashes next
 * (one native write), and keeps and compares hashes as bytes, four at a time through DataViews.
 *
 * The walk updates the remembered path as it climbs (it only ever reads the levels above): a
 * proof that fails makes it forget the whole path, so that nothing from a failed proof is ever
 * relied on.
 */
export class InclusionVerifier {
  readonly #size: number;
  readonly #root: string;
  // RFC 9162 §2.1.1: interior nodes hash 0x01 || left || right.
  // The walk's current hash is written on its side before it is compared with anything.
  readonly #node = Buffer.alloc(1 + 2 * HASH_SIZE);
  readonly #nodeView = viewOf(this.#node);
  readonly #scratch = Buffer.alloc(HASH_SIZE);
  readonly #scratchView = viewOf(this.#scratch);

  // The remembered path, by level: #step[level] is the line of the remembered proof that gave
  // the sibling (-1 where the path has no step); #pathIndex and #path the node the path went
  // through, #sibling its sibling (32 bytes a level).
  readonly #step = new Int32Array(LEVELS).fill(-1);
  readonly #pathIndex = new Float64Array(LEVELS);
  readonly #path = new DataView(new ArrayBuffer(LEVELS * HASH_SIZE));
  readonly #sibling = new DataView(new ArrayBuffer(LEVELS * HASH_SIZE));
  readonly #lines = Buffer.alloc(LEVELS * PROOF_LINE_SIZE);
  readonly #linesView = viewOf(this.#lines);
  #count = 0;
  /** Levels below this may have a remembered step. */
  #height = 0;

  constructor(treeSize: number, rootHash: Uint8Array) {
    this.#size = requireTreeSize(treeSize, 'tree size');
    if (!(rootHash instanceof Uint8Array) || rootHash.length !== HASH_SIZE) throw new VerifyError('invalid_hash', `root hash must be ${HASH_SIZE} bytes`);
    this.#root = Buffer.from(rootHash).toString('latin1');
    this.#node[0] = 0x01;
  }

  /**
   * Checks that `leafHash` (32 bytes as a latin1 string) is leaf `index` of the tree, given its
   * inclusion proof as `count` tlog-proof lines (base64 of a 32-byte hash, newline) starting at
   * `start` in `lines` (`view`: its DataView, if the caller has one). Throws `invalid_hash` for a
   * line that is not canonical base64 of 32 bytes, `invalid_argument` for an index outside the
   * tree, `inclusion_proof_invalid` for a proof that does not lead to the root.
   */
  verify(index: number, leafHash: string, lines: Buffer, start: number, count: number, view: DataView = viewOf(lines)): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.#size) {
      throw new VerifyError('invalid_argument', `leaf index ${index} is not below tree size ${this.#size}`);
    }
    if (start < 0 || start + count * PROOF_LINE_SIZE > lines.length || count > LEVELS) {
      throw new VerifyError('inclusion_proof_invalid', `proof of ${count} lines does not fit`);
    }
    if (typeof leafHash !== 'string' || leafHash.length !== HASH_SIZE) throw new VerifyError('invalid_hash', `leaf hash must be ${HASH_SIZE} bytes`);
    try {
      this.#walk(index, leafHash, lines, view, start, count);
    } catch (err) {
      this.#step.fill(-1);
      this.#height = 0;
      this.#count = 0;
      throw err;
    }
  }

  #walk(index: number, leafHash: string, lines: Buffer, view: DataView, start: number, count: number): void {
    const node = this.#node;
    const nodeView = this.#nodeView;
    const step = this.#step;
    const path = this.#path;
    const sibling = this.#sibling;
    // RFC 9162 §2.1.3.2: fn is the node's index on its level, sn the last node's index. They
    // may pass 2^32, so they are halved with Math.floor, not shifted.
    let fn = index;
    let sn = this.#size - 1;
    let level = 0;
    let r = leafHash;
    let joined = -1; // the level where the walk joined the remembered path
    let shift = 0; // how many more lines below that level this proof has than the remembered one
    for (let k = 0; k < count; k++) {
      if (sn === 0) throw new VerifyError('inclusion_proof_invalid', `proof for leaf ${index} of ${this.#size} is longer than the path to the root`);
      if (fn === sn && isEven(fn)) {
        // The last node of its level without a right sibling is promoted unchanged until it
        // is a right child (the RFC's shift after hashing, done before it here). The path has
        // no step on the levels it skips.
        do {
          step[level] = -1;
          fn = half(fn);
          sn = half(sn);
          level++;
        } while (isEven(fn));
      }
      // Our node is a right child (fn odd): the sibling is on the left.
      const right = !isEven(fn);
      const rAt = right ? 1 + HASH_SIZE : 1;
      const pAt = right ? 1 : 1 + HASH_SIZE;
      node.write(r, rAt, HASH_SIZE, 'latin1');
      const at = start + k * PROOF_LINE_SIZE;
      const o = level * HASH_SIZE;
      const s = step[level] as number;
      if (s >= 0 && count - k === this.#count - s) {
        const known = this.#pathIndex[level] as number;
        if (fn === known) {
          // The remembered node, with the same hash: the same sibling (same line) and above.
          if (sameBytes(nodeView, rAt, path, o, HASH_SIZE) && this.#sameLines(lines, at, s, count - k)) {
            joined = level;
            shift = k - s;
            step[level] = k;
            break;
          }
        } else if (fn === (isEven(known) ? known + 1 : known - 1) && sameBytes(nodeView, rAt, sibling, o, HASH_SIZE)) {
          // The remembered node's sibling, with the hash its proof gave: the same parent if our
          // sibling is the remembered node, and the same lines above. Then the two swap roles.
          if (decodeLine(lines, at, this.#scratch, 0) && sameBytes(this.#scratchView, 0, path, o, HASH_SIZE) && this.#sameLines(lines, at + PROOF_LINE_SIZE, s + 1, count - k - 1)) {
            copyBytes(path, o, sibling, o, HASH_SIZE);
            copyBytes(nodeView, rAt, path, o, HASH_SIZE);
            this.#pathIndex[level] = fn;
            joined = level;
            shift = k - s;
            step[level] = k;
            break;
          }
        }
      }
      if (!decodeLine(lines, at, node, pAt)) {
        throw new VerifyError('invalid_hash', `proof line ${k + 1} is not the canonical base64 of a ${HASH_SIZE}-byte hash`);
      }
      copyBytes(nodeView, pAt, sibling, o, HASH_SIZE);
      copyBytes(nodeView, rAt, path, o, HASH_SIZE);
      this.#pathIndex[level] = fn;
      step[level] = k;
      r = hash('sha256', node, 'binary');
      fn = half(fn);
      sn = half(sn);
      level++;
    }
    if (joined < 0) {
      if (sn !== 0) throw new VerifyError('inclusion_proof_invalid', `proof for leaf ${index} of ${this.#size} is shorter than the path to the root`);
      if (r !== this.#root) throw new VerifyError('inclusion_proof_invalid', `proof for leaf ${index} of ${this.#size} does not lead to the root hash`);
      for (let l = level; l < this.#height; l++) step[l] = -1;
      this.#height = Math.max(this.#height, level);
    } else {
      // Above the join, the old steps: the same lines, `shift` further down this proof.
      for (let l = joined + 1; l < this.#height; l++) if ((step[l] as number) >= 0) step[l] = (step[l] as number) + shift;
      this.#height = Math.max(this.#height, joined + 1);
    }
    // Where the walk joined at the same line, the lines after the join are already there (they
    // were compared): only those up to it change.
    const n = (joined >= 0 && shift === 0 && count === this.#count ? (step[joined] as number) + 1 : count) * PROOF_LINE_SIZE;
    if (n <= 4 * PROOF_LINE_SIZE) copyBytes(view, start, this.#linesView, 0, n);
    else lines.copy(this.#lines, 0, start, start + n);
    this.#count = count;
  }

  #sameLines(lines: Buffer, at: number, step: number, n: number): boolean {
    const from = step * PROOF_LINE_SIZE;
    return lines.compare(this.#lines, from, from + n * PROOF_LINE_SIZE, at, at + n * PROOF_LINE_SIZE) === 0;
  }
}

function isEven(n: number): boolean {
  return n === 2 * Math.floor(n * 0.5);
}

function half(n: number): number {
  return Math.floor(n * 0.5);
}


/**
 * Decodes one proof line (43 base64 characters, '=', newline) into `out` at `at`. Only the
 * canonical encoding of 32 bytes is accepted: the last character's two unused bits are zero.
 */
function decodeLine(src: Buffer, from: number, out: Buffer, at: number): boolean {
  if (src[from + 43] !== 0x3d || src[from + 44] !== 0x0a) return false;
  let o = at;
  for (let i = from; i < from + 40; i += 4) {
    const a = BASE64[src[i] as number] as number;
    const b = BASE64[src[i + 1] as number] as number;
    const c = BASE64[src[i + 2] as number] as number;
    const d = BASE64[src[i + 3] as number] as number;
    if ((a | b | c | d) < 0) return false;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (c >> 2);
    out[o++] = ((c & 3) << 6) | d;
  }
  const a = BASE64[src[from + 40] as number] as number;
  const b = BASE64[src[from + 41] as number] as number;
  const c = BASE64[src[from + 42] as number] as number;
  if ((a | b | c) < 0 || (c & 3) !== 0) return false;
  out[o++] = (a << 2) | (b >> 4);
  out[o] = ((b & 15) << 4) | (c >> 2);
  return true;
}
