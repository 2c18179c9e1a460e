// A high surrogate not followed by a low one, or a low one not preceded by a
// high one: a JavaScript string that has no UTF-8 encoding.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True if `text` is not valid Unicode (`String.prototype.isWellFormed` is ES2024). */
export function hasLoneSurrogate(text: string): boolean {
  const wellFormed = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return wellFormed ? !wellFormed.call(text) : LONE_SURROGATE.test(text);
}
