/** RFC 6901 JSON Pointers: how issues and diffs name a place in a pack. */

export function escapeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function unescapeSegment(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** `['zones', 'pci-ai']` → `/zones/pci-ai`; the empty list is the whole document, `''`. */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${escapeSegment(String(s))}`).join('');
}

/** `/zones/pci-ai` → `['zones', 'pci-ai']`. */
export function fromPointer(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapeSegment);
}

/** Pointers in reading order: segment by segment, array indices numerically. */
export function comparePointers(a: string, b: string): number {
  const x = fromPointer(a);
  const y = fromPointer(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    if (/^\d+$/.test(p) && /^\d+$/.test(q)) return Number(p) - Number(q);
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}
