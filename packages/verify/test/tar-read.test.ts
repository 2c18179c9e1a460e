// The strict ustar reader: it reads back what tar.ts writes, from bytes or a file, and refuses
// every archive that breaks a rule, with a TarError naming the check.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { readTar, TAR_BLOCK, TAR_RECORD, TarError, tarHeader } from '../src/index.js';
import type { TarCheck, TarReadOptions } from '../src/index.js';
import { tarArchive } from './helpers/package-builder.js';

const MTIME = 1767225600;
const dir = mkdtempSync(join(tmpdir(), 'cairn-tar-read-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function read(source: string | Uint8Array, options?: TarReadOptions): { path: string; size: number; mtime: number; data: Buffer }[] {
  const members = [];
  for (const m of readTar(source, options)) {
    const parts: Buffer[] = [];
    for (const chunk of m.chunks()) parts.push(Buffer.from(chunk));
    members.push({ path: m.path, size: m.size, mtime: m.mtime, data: Buffer.concat(parts) });
  }
  return members;
}

function rejects(archive: Uint8Array, check: TarCheck, member?: string): TarError {
  let error: unknown;
  try {
    read(archive);
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof TarError, `expected a TarError, got ${String(error)}`);
  assert.equal(error.check, check, error.message);
  if (member !== undefined) assert.equal(error.member, member);
  return error;
}

/** Changes the header at `offset` and writes a matching checksum, as a careful forger would. */
function patchHeader(archive: Uint8Array, offset: number, patch: (header: Buffer) => void): Uint8Array {
  const copy = Buffer.from(archive);
  const header = copy.subarray(offset, offset + TAR_BLOCK);
  patch(header);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return copy;
}

/** One member named `name` (raw bytes, past the writer's own checks), content "x". */
function withName(name: Buffer): Uint8Array {
  return patchHeader(tarArchive([['placeholder', 'x']]), 0, (h) => {
    h.fill(0, 0, 100);
    name.copy(h, 0);
  });
}

const samples: [string, Buffer][] = [
  ['VERIFY.md', Buffer.from('# Verifying\n')],
  ['checkpoint', Buffer.alloc(0)],
  ['entries/000000000001.json', Buffer.alloc(TAR_BLOCK, 0x61)],
  ['entries/000000000001.tlog-proof', Buffer.alloc(TAR_BLOCK + 1, 0x62)],
  ['evidence/ünïcødé.txt', Buffer.from('utf-8 names are allowed\n')],
  [`${'long/'.repeat(30)}name.json`, Buffer.from('{"prefix":true}')],
  ['zzz', Buffer.alloc(70_000, 0x7a)],
];

describe('readTar: round trip with tar.ts', () => {
  const archive = tarArchive(samples, MTIME);

  test('the archive is padded to whole records', () => assert.equal(archive.length % TAR_RECORD, 0));

  test('reads back every member, from bytes', () => {
    const members = read(archive);
    assert.deepEqual(
      members.map((m) => [m.path, m.size, m.mtime]),
      samples.map(([path, data]) => [path, data.length, MTIME]),
    );
    members.forEach((m, i) => assert.deepEqual(m.data, samples[i]?.[1]));
  });

  test('reads back every member from a file, in small chunks, streaming the big ones', () => {
    const file = join(dir, 'round-trip.tar');
    writeFileSync(file, archive);
    for (const options of [{}, { chunkSize: TAR_RECORD, wholeLimit: 100 }, { chunkSize: 1, wholeLimit: 0 }]) {
      const members = read(file, options);
      assert.deepEqual(
        members.map((m) => [m.path, m.data]),
        samples.map(([path, data]) => [path, data]),
      );
    }
  });

  test('reads the same from bytes that are not word-aligned in memory', () => {
    const unaligned = Buffer.concat([Buffer.alloc(1), archive]).subarray(1);
    assert.notEqual(unaligned.byteOffset % 4, 0);
    assert.deepEqual(read(unaligned), read(archive));
    const damaged = Buffer.from(unaligned);
    const shifted = Buffer.concat([Buffer.alloc(3), damaged]).subarray(3);
    shifted[300] = 0x41; // in the first header's link name
    assert.throws(() => read(shifted), (err: unknown) => err instanceof TarError && err.check === 'tar-checksum');
  });

  test('word-aligned bytes (read a word at a time) and unaligned ones (a byte at a time) agree on any forged header', () => {
    // A forger fixes the checksum, so that every other rule has to catch the change.
    const archive = tarArchive([...samples.slice(0, 4), [`${'n'.repeat(100)}`, 'x'], ['x/y', 'z']]);
    const headers: number[] = [];
    for (const m of readTar(archive)) headers.push(m.offset);
    const outcome = (bytes: Uint8Array): string => {
      try {
        return JSON.stringify(read(bytes).map((m) => [m.path, m.size, m.mtime]));
      } catch (err) {
        assert.ok(err instanceof TarError, String(err));
        return `${err.check} ${err.member ?? ''}`;
      }
    };
    fc.assert(
      fc.property(fc.nat(headers.length - 1), fc.array(fc.tuple(fc.nat(TAR_BLOCK - 1), fc.nat(255)), { minLength: 1, maxLength: 3 }), (h, changes) => {
        const forged = patchHeader(archive, headers[h] as number, (header) => {
          for (const [at, byte] of changes) if (at < 148 || at >= 156) header[at] = byte;
        });
        const aligned = Buffer.from(forged);
        const unaligned = Buffer.concat([Buffer.alloc(1), forged]).subarray(1);
        assert.ok(aligned.byteOffset % 4 === 0 && unaligned.byteOffset % 4 !== 0);
        assert.equal(outcome(unaligned), outcome(aligned));
      }),
      { numRuns: 500 },
    );
  });

  test('a member too big to be whole has no data but streams in chunks', () => {
    const seen = [...readTar(archive, { wholeLimit: 1000 })].map((m) => [m.path, m.data === undefined]);
    assert.deepEqual(seen.at(-1), ['zzz', true]);
    assert.deepEqual(seen[0], ['VERIFY.md', false]);
  });

  test('names longer than 100 bytes use the prefix field, split as the writer splits them', () => {
    const long = `${'long/'.repeat(30)}name.json`;
    const header = tarHeader(long, 1, MTIME);
    assert.equal(Buffer.from(header.subarray(345, 500)).toString('latin1').replace(/\0+$/, ''), 'long/'.repeat(29) + 'long');
    assert.equal(read(tarArchive([[long, 'x']]))[0]?.path, long);
  });

  test('an empty archive (only the end) has no members', () => {
    assert.deepEqual(read(tarArchive([])), []);
  });

  test('progress ends at the archive size', () => {
    const calls: [number, number][] = [];
    read(archive, { onProgress: (done, total) => calls.push([done, total]) });
    assert.deepEqual(calls.at(-1), [archive.length, archive.length]);
  });
});

describe('readTar: every rule is enforced', () => {
  const one = tarArchive([['a.txt', 'hello']]);

  test('header checksum', () => {
    const archive = Buffer.from(one);
    archive[0] = 0x62; // 'b.txt', checksum not updated
    rejects(archive, 'tar-checksum');
    const malformed = Buffer.from(one);
    malformed[155] = 0; // "NNNNNN\0\0" instead of "NNNNNN\0 "
    rejects(malformed, 'tar-checksum');
  });

  test('magic "ustar\\0" and version "00"', () => {
    rejects(patchHeader(one, 0, (h) => h.write('ustar ', 257, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => h.write(' \0', 263, 'latin1')), 'tar-header');
  });

  test('regular files only', () => {
    for (const type of ['5', '2', '1', 'x', 'g', 'L', '\0']) rejects(patchHeader(one, 0, (h) => h.write(type, 156, 'latin1')), 'tar-type');
  });

  test('mode, owner, group and device fields as the writer writes them', () => {
    rejects(patchHeader(one, 0, (h) => h.write('0000755\0', 100, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => h.write('0001750\0', 108, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => h.write('0000001\0', 116, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => h.write('root', 265, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => h.write('root', 297, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => h.write('0000001\0', 329, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => h.write('target', 157, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => (h[511] = 1)), 'tar-header');
  });

  test('size and mtime are 11 octal digits and a NUL', () => {
    rejects(patchHeader(one, 0, (h) => h.write('00000000005 ', 124, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => h.write('0000000000x\0', 124, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => h.write('        5\0\0\0', 124, 'latin1')), 'tar-header');
    rejects(patchHeader(one, 0, (h) => h.write('1234567890 \0', 136, 'latin1')), 'tar-header');
  });

  test('safe relative names', () => {
    for (const name of ['/etc/passwd', '../up', 'a/../b', 'a/..', './a', 'a/./b', 'a//b', 'dir/', '.', 'a\\b', 'a\nb', 'tab\there', 'del\x7f']) {
      rejects(withName(Buffer.from(name, 'latin1')), 'tar-name');
    }
    rejects(withName(Buffer.from([0x61, 0xff, 0x62])), 'tar-name'); // not UTF-8
    rejects(withName(Buffer.alloc(0)), 'tar-name');
    rejects(patchHeader(one, 0, (h) => (h[50] = 0x61)), 'tar-name'); // a byte after the name's NUL
    assert.equal(read(withName(Buffer.from('..a/b..c/...')))[0]?.path, '..a/b..c/...');
  });

  test('names split into prefix and name only as the writer splits them', () => {
    const short = patchHeader(one, 0, (h) => {
      h.fill(0, 0, 100);
      h.write('a.txt', 0, 'latin1');
      h.write('dir', 345, 'latin1'); // "dir/a.txt" fits the name field alone
    });
    rejects(short, 'tar-name');
    rejects(patchHeader(one, 0, (h) => h.write('dir', 345, 'latin1')), 'tar-name');
  });

  test('names in strictly increasing byte order, so no duplicates', () => {
    rejects(tarArchive([['b', 'x'], ['a', 'x']]), 'tar-order', 'a');
    rejects(tarArchive([['a', 'x'], ['a', 'x']]), 'tar-order', 'a');
    rejects(tarArchive([['ab', 'x'], ['a', 'x']]), 'tar-order', 'a');
    // Byte order, not UTF-16 order: U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80) in UTF-8.
    assert.equal(read(tarArchive([['\ufffd', 'x'], ['\u{1f600}', 'x']])).length, 2);
    rejects(tarArchive([['\u{1f600}', 'x'], ['\ufffd', 'x']]), 'tar-order');
    assert.equal(read(tarArchive([['B', 'x'], ['a', 'x']])).length, 2);
  });

  test('zero padding after each member', () => {
    const archive = Buffer.from(one);
    archive[TAR_BLOCK + 5] = 1;
    rejects(archive, 'tar-padding', 'a.txt');
  });

  test('two zero blocks, zeros to a whole record, nothing after', () => {
    const end = 2 * TAR_BLOCK; // where the end blocks start
    const second = Buffer.from(one);
    second[end + TAR_BLOCK + 3] = 1;
    rejects(second, 'tar-end');
    const padding = Buffer.from(one);
    padding[one.length - 1] = 1;
    rejects(padding, 'tar-end');
    rejects(Buffer.concat([one, Buffer.alloc(TAR_RECORD)]), 'tar-end');
    rejects(Buffer.concat([one, Buffer.from('trailing')]), 'tar-end');
    rejects(one.subarray(0, one.length - TAR_BLOCK), 'tar-truncated');
    rejects(one.subarray(0, end + TAR_BLOCK), 'tar-truncated');
  });

  test('truncation anywhere is an error', () => {
    rejects(one.subarray(0, 0), 'tar-truncated');
    rejects(one.subarray(0, 100), 'tar-truncated');
    rejects(one.subarray(0, TAR_BLOCK + 2), 'tar-truncated', 'a.txt');
    rejects(one.subarray(0, 2 * TAR_BLOCK), 'tar-truncated');
    const file = join(dir, 'truncated.tar');
    writeFileSync(file, tarArchive(samples).subarray(0, 5000));
    assert.throws(() => read(file, { chunkSize: TAR_RECORD }), (err: unknown) => err instanceof TarError && err.check === 'tar-truncated');
  });

  test('a file that cannot be read', () => {
    assert.throws(() => read(join(dir, 'missing.tar')), (err: unknown) => err instanceof TarError && err.check === 'tar-read');
    assert.throws(() => read(dir), (err: unknown) => err instanceof TarError && err.check === 'tar-read');
  });

  test('any damaged archive gives a TarError, never another error', () => {
    const archive = tarArchive(samples.slice(0, 4));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(archive.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const damaged = Buffer.from(archive);
        for (const [at, mask] of flips) damaged[at] = (damaged[at] as number) ^ mask;
        try {
          read(damaged);
        } catch (err) {
          assert.ok(err instanceof TarError, String(err));
        }
      }),
      { numRuns: 300 },
    );
  });
});
