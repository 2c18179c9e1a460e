import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Pair } from 'yaml';
import { fromPointer, toPointer } from './pointer.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

interface Located {
  /** Where the key of the last segment found starts (or the list item, for an index). */
  readonly key: number;
  /** Where its value starts; the key when the value is empty. */
  readonly value: number;
}

type Ranged = { range?: readonly [number, number, number] | null | undefined };

/**
 * Maps JSON Pointers into a pack back to the YAML text they came from, and text offsets back to
 * pointers. A pointer to something absent from the source (a missing key, a value that came
 * through a merge key) lands on the nearest ancestor that is there.
 */
export class PackPositions {
  readonly #doc: Document;
  readonly #lines: LineCounter;

  constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc;
    this.#lines = lines;
  }

  at(offset: number): Position {
    const { line, col } = this.#lines.linePos(offset);
    return { line, column: col };
  }

  /** Where the value at `pointer` starts: for a wrong type, a bad enum value. */
  value(pointer: string): Position {
    return this.at(this.#locate(pointer).value);
  }

  /** Where the key naming `pointer` starts: for an unknown or misspelt key, a missing one's parent. */
  key(pointer: string): Position {
    return this.at(this.#locate(pointer).key);
  }

  /**
   * The pointer of the innermost entry whose text covers `offset`, for YAML errors. An error on a
   * key names that key only when `onKey` (a duplicate key); otherwise the key itself may be the
   * broken part, and the pointer stops at the mapping holding it.
   */
  pointerAt(offset: number, onKey = false): string {
    const segments: string[] = [];
    let node: unknown = this.#doc.contents;
    for (;;) {
      node = this.#resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => covers(p.key, offset) || covers(p.value, offset, start(p.key)));
        const key = pair && keyOf(pair);
        if (!pair || key === undefined || key.includes('\n')) break;
        if (covers(pair.key, offset)) {
          if (onKey) segments.push(key);
          break;
        }
        segments.push(key);
        node = pair.value;
      } else if (isSeq(node)) {
        const index = node.items.findIndex((item) => covers(item, offset));
        if (index < 0) break;
        segments.push(String(index));
        node = node.items[index];
      } else {
        break;
      }
    }
    return toPointer(segments);
  }

  #locate(pointer: string): Located {
    const root = start(this.#doc.contents) ?? 0;
    let found: Located = { key: root, value: root };
    let node: unknown = this.#doc.contents;
    for (const segment of fromPointer(pointer)) {
      node = this.#resolve(node);
      if (isMap(node)) {
        const pair = this.#findPair(node.items, segment);
        const key = pair ? start(pair.key) : undefined;
        if (!pair || key === undefined) return found;
        const empty = pair.value === null || (isScalar(pair.value) && pair.value.value === null && pair.value.source === '');
        found = { key, value: empty ? key : (start(pair.value) ?? key) };
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        const at = start(item);
        if (at === undefined) return found;
        found = { key: at, value: at };
        node = item;
      } else {
        return found;
      }
    }
    return found;
  }

  /** A key in a map, or in a map merged into it with `<<`. */
  #findPair(items: readonly Pair[], key: string, depth = 0): Pair | undefined {
    // The last one: with a duplicate key (reported separately), the parsed value is the last.
    const direct = items.findLast((p) => keyOf(p) === key);
    if (direct || depth > 8) return direct;
    for (const merge of items.filter((p) => keyOf(p) === '<<')) {
      const sources = this.#resolve(merge.value);
      const maps = isSeq(sources) ? sources.items.map((s) => this.#resolve(s)) : [sources];
      for (const map of maps) {
        const pair = isMap(map) ? this.#findPair(map.items, key, depth + 1) : undefined;
        if (pair) return pair;
      }
    }
    return undefined;
  }

  #resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.#doc) : node;
  }
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

function start(node: unknown): number | undefined {
  return (node as Ranged | null | undefined)?.range?.[0];
}

function covers(node: unknown, offset: number, from?: number): boolean {
  const range = (node as Ranged | null | undefined)?.range;
  if (!range) return false;
  return (from ?? range[0]) <= offset && offset < Math.max(range[2], range[0] + 1);
}
