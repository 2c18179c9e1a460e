/**
 * Where the nodes of an RFC 6962 tree live in the store, and which nodes a proof needs.
 *
 * A node is a perfect subtree: (level L, index j) covers leaves [j·2^L, (j+1)·2^L). It is
 * complete once leaf (j+1)·2^L − 1 is appended, and is stored in that leaf's row at slot L
 * (slot 0 is the leaf hash itself). A proof element is the hash of a range of leaves; a range
 * that is not a perfect subtree is the fold of the perfect subtrees that cover it.
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** A proof element: fold these perfect subtrees (left to right) into one hash. */
export type RangeHash = readonly NodeId[];

/** Row that stores node (level, index), and the byte offset of its hash in that row. */
export function nodeLocation(node: NodeId): { row: number; offset: number } {
  return { row: (node.index + 1) * 2 ** node.level - 1, offset: node.level * 32 };
}

/** How many node hashes the row of leaf `idx` stores: the leaf, then one per trailing one bit. */
export function slotsInRow(idx: number): number {
  let slots = 1;
  let i = idx;
  while (i % 2 === 1) {
    slots += 1;
    i = (i - 1) / 2;
  }
  return slots;
}

/** Largest power of two strictly less than n (n ≥ 2): RFC 9162 §2.1.1's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees covering leaves [begin, end), left to right. Callers pass ranges whose
 * `begin` is a multiple of a power of two ≥ the range length, as every RFC 6962 subtree is, so
 * the cover is the binary decomposition of the length, largest first.
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let at = begin;
  let remaining = end - begin;
  let level = 0;
  while (2 ** (level + 1) <= remaining) level += 1;
  for (; remaining > 0; level -= 1) {
    const width = 2 ** level;
    if (width <= remaining) {
      nodes.push({ level, index: at / width });
      at += width;
      remaining -= width;
    }
  }
  return nodes;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[0:n]): the proof elements, leaf side first. */
export function inclusionPlan(index: number, size: number): RangeHash[] {
  const out: RangeHash[] = [];
  const walk = (m: number, begin: number, n: number): void => {
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, begin, k);
      out.push(rangeNodes(begin + k, begin + n));
    } else {
      walk(m - k, begin + k, n - k);
      out.push(rangeNodes(begin, begin + k));
    }
  };
  walk(index, 0, size);
  return out;
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), for 0 < m < n. */
export function consistencyPlan(m: number, n: number): RangeHash[] {
  if (m <= 0 || m >= n) return [];
  const out: RangeHash[] = [];
  const sub = (mm: number, begin: number, nn: number, complete: boolean): void => {
    if (mm === nn) {
      if (!complete) out.push(rangeNodes(begin, begin + nn));
      return;
    }
    const k = splitPoint(nn);
    if (mm <= k) {
      sub(mm, begin, k, complete);
      out.push(rangeNodes(begin + k, begin + nn));
    } else {
      sub(mm - k, begin + k, nn - k, false);
      out.push(rangeNodes(begin, begin + k));
    }
  };
  sub(m, 0, n, true);
  return out;
}
