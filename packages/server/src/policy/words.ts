/** "a", "a or b", "a, b or c": how a list of alternatives reads in a reason. */
export function either(items: readonly string[]): string {
  return joined(items, 'or');
}

/** "a", "a and b", "a, b and c". */
export function both(items: readonly string[]): string {
  return joined(items, 'and');
}

function joined(items: readonly string[], word: string): string {
  if (items.length <= 1) return items[0] ?? 'none';
  return `${items.slice(0, -1).join(', ')} ${word} ${items.at(-1)!}`;
}
