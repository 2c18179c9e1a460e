/**
 * The deterministic POSIX ustar members a compliance package is made of: regular files only,
 * fixed owner (0/0, no names), mode 0644, one caller-chosen mtime. Reading is in tar-read.ts.
 */

export const TAR_BLOCK = 512;
/** GNU tar's default record: 20 blocks. Archives are padded to a whole record. */
export const TAR_RECORD = 10240;
/** ustar's size field holds 11 octal digits. */
export const TAR_MAX_SIZE = 0o77777777777;

const encoder = new TextEncoder();

function octal(field: Uint8Array, offset: number, length: number, value: number): void {
  // length-1 octal digits, zero-padded, then NUL.
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new RangeError(`tar field value ${value} does not fit in ${length - 1} octal digits`);
  field.set(encoder.encode(text), offset);
  field[offset + length - 1] = 0;
}

/** Splits a path into ustar's name (≤ 100 bytes) and prefix (≤ 155 bytes) fields. */
function splitName(path: string): { name: Uint8Array; prefix: Uint8Array } {
  const bytes = encoder.encode(path);
  if (bytes.length <= 100) return { name: bytes, prefix: new Uint8Array(0) };
  for (let i = bytes.length - 1; i > 0; i--) {
    if (bytes[i] !== 0x2f) continue; // '/'
    if (i <= 155 && bytes.length - i - 1 <= 100 && bytes.length - i - 1 > 0) {
      return { name: bytes.subarray(i + 1), prefix: bytes.subarray(0, i) };
    }
  }
  throw new RangeError(`tar member name too long for ustar: ${path}`);
}

/** The 512-byte ustar header of a regular file. */
export function tarHeader(path: string, size: number, mtimeSeconds: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > TAR_MAX_SIZE) throw new RangeError(`tar member size out of range: ${size}`);
  const header = new Uint8Array(TAR_BLOCK);
  const { name, prefix } = splitName(path);
  header.set(name, 0);
  octal(header, 100, 8, 0o644); // mode
  octal(header, 108, 8, 0); // uid
  octal(header, 116, 8, 0); // gid
  octal(header, 124, 12, size);
  octal(header, 136, 12, mtimeSeconds);
  header.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  header[156] = 0x30; // typeflag '0': regular file
  header.set(encoder.encode('ustar\0'), 257); // magic
  header.set(encoder.encode('00'), 263); // version
  // uname, gname: empty. devmajor, devminor: zero.
  octal(header, 329, 8, 0);
  octal(header, 337, 8, 0);
  header.set(prefix, 345);
  let sum = 0;
  for (const b of header) sum += b;
  // checksum: six octal digits, NUL, space (as POSIX tar writes it).
  header.set(encoder.encode(sum.toString(8).padStart(6, '0')), 148);
  header[154] = 0;
  header[155] = 0x20;
  return header;
}

/** Zero bytes that pad a member of `size` bytes to a whole block. */
export function tarPadding(size: number): Uint8Array {
  const rest = size % TAR_BLOCK;
  return new Uint8Array(rest === 0 ? 0 : TAR_BLOCK - rest);
}

/** The end of an archive of `written` bytes so far: two zero blocks, then zeros to a whole record. */
export function tarEnd(written: number): Uint8Array {
  const total = written + 2 * TAR_BLOCK;
  const rest = total % TAR_RECORD;
  return new Uint8Array(2 * TAR_BLOCK + (rest === 0 ? 0 : TAR_RECORD - rest));
}
