import { VerifyError } from './error.js';

/**
 * Tree sizes and leaf indices arrive from the network. JavaScript numbers are
 * exact only up to 2^53 - 1, so anything that is not a non-negative safe
 * integer is refused rather than rounded.
 */
export function requireTreeSize(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    // Only a number is shown: String() of a hostile object can itself throw (a non-callable toString).
    throw new VerifyError('invalid_argument', `${what} must be a non-negative safe integer, got ${typeof value === 'number' ? String(value) : typeof value}`);
  }
  return value;
}

/** Both must be tree sizes and `index < size` (a leaf the tree holds). */
export function requireLeafIndex(index: unknown, size: unknown): { index: number; size: number } {
  const i = requireTreeSize(index, 'leaf index');
  const n = requireTreeSize(size, 'tree size');
  if (i >= n) {
    throw new VerifyError('invalid_argument', `leaf index ${i} is not below tree size ${n}`);
  }
  return { index: i, size: n };
}
