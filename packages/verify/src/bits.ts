// Bit arithmetic on tree sizes and indices. JavaScript's bitwise operators
// truncate to 32 bits, but trees may outgrow 2^32 leaves, so these work on
// the binary string, BigInt or plain division instead. Callers pass
// non-negative safe integers.

/** Number of bits needed to write n; 0 for 0 (Go's bits.Len64). */
export function bitLength(n: number): number {
  return n === 0 ? 0 : n.toString(2).length;
}

/** Number of set bits (Go's bits.OnesCount64). */
export function popCount(n: number): number {
  let count = 0;
  for (const digit of n.toString(2)) if (digit === '1') count++;
  return count;
}

/** Number of trailing zero bits; 0 for 0. */
export function trailingZeros(n: number): number {
  if (n === 0) return 0;
  const binary = n.toString(2);
  return binary.length - 1 - binary.lastIndexOf('1');
}

/** a XOR b for safe integers wider than 32 bits. */
export function xor(a: number, b: number): number {
  return Number(BigInt(a) ^ BigInt(b));
}

/** n >> shift for safe integers wider than 32 bits. */
export function shiftRight(n: number, shift: number): number {
  return Math.floor(n / 2 ** shift);
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && popCount(n) === 1;
}
