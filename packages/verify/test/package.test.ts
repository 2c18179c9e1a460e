// verifyPackage against packages built as docs/exports.md describes them (test/helpers), and
// against each way one can be wrong: it must return the failed check, never throw.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { verifyPackage, VerifyError } from '../src/index.js';
import type { PackageCheck, PackageResult, VerifyPackageOptions } from '../src/index.js';
import { buildPackage, ORIGIN, testKey, tlogProof } from './helpers/package-builder.js';
import type { PackageSpec } from './helpers/package-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-package-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sha256hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const entry = (i: number, ext: 'json' | 'tlog-proof'): string => `entries/${String(i).padStart(12, '0')}.${ext}`;

function fails(result: PackageResult, check: PackageCheck, file?: string): void {
  assert.equal(result.ok, false, 'the package verified');
  if (result.ok) return;
  assert.equal(result.failure.check, check, `${result.failure.file}: ${result.failure.message}`);
  if (file !== undefined) assert.equal(result.failure.file, file, result.failure.message);
}

function failsToBuild(spec: PackageSpec, check: PackageCheck, file?: string, options?: VerifyPackageOptions): void {
  fails(verifyPackage(buildPackage(spec).bytes, options), check, file);
}

describe('verifyPackage: a valid package', () => {
  const pkg = buildPackage();

  test('verifies, and the summary says what it proves', () => {
    const result = verifyPackage(pkg.bytes);
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.failure));
    const { summary } = result;
    assert.equal(summary.format, 'cairn-export/v1');
    assert.deepEqual(summary.scope, { kind: 'time', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' });
    assert.deepEqual(summary.checkpoint, { origin: ORIGIN, treeSize: 12, rootHash: Buffer.from(pkg.log.root(12)).toString('base64') });
    assert.equal(summary.key.vkey, pkg.key.vkey);
    assert.equal(summary.key.pinned, false);
    const der = Buffer.from(pkg.key.pem.replace(/-----[A-Z ]+-----|\n/g, ''), 'base64');
    assert.equal(summary.key.fingerprint, sha256hex(der));
    assert.deepEqual(summary.entries, { count: 5, firstIndex: 2, lastIndex: 11, firstTime: '2026-01-01T00:00:02.000Z', lastTime: '2026-01-01T00:00:11.000Z' });
    assert.deepEqual(summary.evidence, { files: 2, dsseBundles: 1 });
    assert.equal(summary.files, pkg.files.size);
    assert.equal(summary.bytes, pkg.bytes.length);
    assert.equal(summary.newerCheckpoint, undefined);
  });

  test('verifies from a file, with the key pinned, reporting progress', () => {
    const file = join(dir, 'valid.tar');
    writeFileSync(file, pkg.bytes);
    const progress: number[] = [];
    const result = verifyPackage(file, { key: pkg.key.vkey, onProgress: (done, total) => progress.push(done / total) });
    assert.ok(result.ok);
    assert.equal(result.summary.key.pinned, true);
    assert.equal(progress.at(-1), 1);
  });

  test('a package of one entry in a tree of one, without evidence', () => {
    const spec: PackageSpec = {
      treeSize: 1,
      indices: [0],
      beforeManifest: (files) => {
        for (const path of [...files.keys()]) if (path.startsWith('evidence/')) files.delete(path);
      },
    };
    const result = verifyPackage(buildPackage(spec).bytes);
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.failure));
    assert.deepEqual(result.summary.evidence, { files: 0, dsseBundles: 0 });
  });

  test('a big evidence file is hashed as it streams', () => {
    const big = Buffer.alloc(3 << 20, 0x41);
    const digest = sha256hex(big);
    const result = verifyPackage(buildPackage({ commitments: [`sha256:${digest}`], beforeManifest: (files) => files.set(`evidence/${digest}.bin`, big) }).bytes);
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.failure));
    assert.equal(result.summary.evidence.files, 3);
  });
});

describe('verifyPackage: the key', () => {
  test('a --key other than the package key fails', () => {
    const pkg = buildPackage();
    fails(verifyPackage(pkg.bytes, { key: testKey().vkey }), 'key', 'keys/log.vkey');
    fails(verifyPackage(pkg.bytes, { key: testKey('other.example/log').vkey }), 'key', 'keys/log.vkey');
  });

  test('the package must carry the pinned key even if that key signed the checkpoint', () => {
    const pinned = testKey();
    fails(verifyPackage(buildPackage({ checkpointKey: pinned }).bytes, { key: pinned.vkey }), 'key', 'keys/log.vkey');
  });

  test('with the right key pinned, a checkpoint by another key fails', () => {
    const pkg = buildPackage({ checkpointKey: testKey() });
    fails(verifyPackage(pkg.bytes, { key: pkg.key.vkey }), 'checkpoint', 'checkpoint');
  });

  test('a malformed --key is a programmer error, thrown', () => {
    assert.throws(() => verifyPackage(buildPackage().bytes, { key: 'not a key' }), (err: unknown) => err instanceof VerifyError);
  });

  test('keys/log.pem must hold the same key, in canonical PEM', () => {
    failsToBuild({ beforeManifest: (f) => f.set('keys/log.pem', text(testKey().pem)) }, 'key', 'keys/log.pem');
    const pkg = buildPackage();
    failsToBuild({ key: pkg.key, beforeManifest: (f) => f.set('keys/log.pem', text(pkg.key.pem.replace(/\n/g, '\r\n'))) }, 'key', 'keys/log.pem');
  });

  test('a kept file too big to be real fails, without reading it into memory', () => {
    failsToBuild({ beforeManifest: (f) => f.set('keys/log.vkey', Buffer.alloc(70_000, 0x41)) }, 'layout', 'keys/log.vkey');
  });

  test('keys/log.vkey is one line', () => {
    const key = testKey();
    failsToBuild({ key, beforeManifest: (f) => f.set('keys/log.vkey', text(key.vkey)) }, 'key', 'keys/log.vkey');
    failsToBuild({ key, beforeManifest: (f) => f.set('keys/log.vkey', text(`${key.vkey}\n\n`)) }, 'key', 'keys/log.vkey');
  });
});

describe('verifyPackage: signatures', () => {
  test('a checkpoint signed by another key fails', () => {
    failsToBuild({ checkpointKey: testKey() }, 'checkpoint', 'checkpoint');
  });

  test('a checkpoint with a second signature fails (VERIFY.md checks only the log key line)', () => {
    const witness = testKey('witness.example');
    const cosign = (note: string): string => {
      const body = note.slice(0, note.indexOf('\n\n') + 1);
      return note + witness.signNote(body).slice(body.length + 1);
    };
    failsToBuild({ checkpointNote: cosign }, 'checkpoint', 'checkpoint');
  });

  test('manifest.sig by another key fails', () => {
    failsToBuild({ manifestKey: testKey() }, 'manifest-signature', 'manifest.sig');
  });

  test('manifest.json changed after signing fails', () => {
    failsToBuild({ afterManifest: (f) => f.set('manifest.json', text(`${Buffer.from(f.get('manifest.json') as Uint8Array).toString()} `)) }, 'manifest-signature', 'manifest.json');
  });

  test('a lineage bundle signed by another key fails', () => {
    failsToBuild({ envelopeKey: testKey() }, 'dsse');
  });
});

describe('verifyPackage: files and the manifest', () => {
  test('a file missing from the archive but listed fails', () => {
    failsToBuild({ afterManifest: (f) => f.delete('controls.json') }, 'layout', 'controls.json');
    failsToBuild(
      {
        afterManifest: (f) => {
          f.delete(entry(7, 'json'));
          f.delete(entry(7, 'tlog-proof'));
        },
      },
      'listing',
      entry(7, 'json'),
    );
  });

  test('a required file missing altogether fails', () => {
    failsToBuild({ beforeManifest: (f) => f.delete('report.html') }, 'layout', 'report.html');
  });

  test('a file not listed in manifest.json fails', () => {
    const pkg = buildPackage();
    const { document } = pkg.evidence;
    let copy: Uint8Array | undefined;
    failsToBuild(
      {
        beforeManifest: (f) => {
          copy = f.get(document);
          f.delete(document);
        },
        afterManifest: (f) => f.set(document, copy as Uint8Array),
        key: pkg.key,
      },
      'listing',
    );
  });

  test('a file that is not part of the format fails', () => {
    failsToBuild({ beforeManifest: (f) => f.set('notes.txt', text('hello')) }, 'layout', 'notes.txt');
    failsToBuild({ beforeManifest: (f) => f.set('entries/7.json', text('{}')) }, 'layout', 'entries/7.json');
  });

  test('a file changed after the manifest fails with its digest', () => {
    failsToBuild({ afterManifest: (f) => f.set('report.html', text('<p>changed</p>\n')) }, 'digest', 'report.html');
  });

  test('sha256sums must say what manifest.json says', () => {
    failsToBuild({ beforeManifest: (f) => f.set('sha256sums', text('')) }, 'sha256sums', 'sha256sums');
    failsToBuild(
      {
        beforeManifest: (f) => {
          const listed = [...f.keys()].sort().reverse(); // another order
          f.set('sha256sums', text(listed.map((p) => `${sha256hex(f.get(p) as Uint8Array)}  ${p}\n`).join('')));
        },
      },
      'sha256sums',
    );
  });

  test('manifest.json must count the entries and name the checkpoint', () => {
    failsToBuild({ manifestText: (t) => t.replace('"entries": 5', '"entries": 4') }, 'manifest', 'manifest.json');
    failsToBuild({ manifestText: (t) => t.replace('"treeSize":12', '"treeSize":13') }, 'manifest', 'manifest.json');
    failsToBuild({ manifestText: (t) => t.replace('cairn-export/v1', 'cairn-export/v2') }, 'manifest', 'manifest.json');
    failsToBuild({ manifestText: (t) => t.replace('"kind":"time"', '"kind":"era"') }, 'manifest', 'manifest.json');
    failsToBuild({ manifestText: (t) => t.replace('"entries": 5', '"entries": 5, "exportedBy": "alice"') }, 'manifest', 'manifest.json');
  });

  test('manifest.json is byte for byte what the writer writes: any other layout fails, naming the line', () => {
    const layouts: [string, (t: string) => string][] = [
      ['a space more in the head', (t) => t.replace('"entries": 5', '"entries":  5')],
      ['"log" members in another order', (t) => t.replace(/"log": (\{[^}]*\})/, (_, log: string) => `"log": ${JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(log) as object).reverse()))}`)],
      ['a files line with its members in another order', (t) => t.replace(/\{"path":("[^"]*"),"sha256":("[^"]*")/, '{"sha256":$2,"path":$1')],
      ['a files line indented otherwise', (t) => t.replace(',\n    {"path":"VERIFY.md"', ',\n  {"path":"VERIFY.md"').replace('[\n    {"path":"VERIFY.md"', '[\n  {"path":"VERIFY.md"')],
      ['a space after a comma between lines', (t) => t.replace('},\n    {"path":"checkpoint"', '}, \n    {"path":"checkpoint"')],
      ['no newline at the end', (t) => t.slice(0, -1)],
      ['a newline more at the end', (t) => `${t}\n`],
      ['the same JSON on one line', (t) => `${JSON.stringify(JSON.parse(t))}\n`],
      ['a size written with a fraction (219.0)', (t) => t.replace(/"size":(\d+)\}/, (_, n: string) => `"size":${Number(n)}.0}`)],
    ];
    for (const [what, change] of layouts) {
      let changed = false;
      const result = verifyPackage(
        buildPackage({
          manifestText: (t) => {
            const u = change(t);
            changed = u !== t;
            return u;
          },
        }).bytes,
      );
      assert.ok(changed, `${what}: the change did not apply`);
      fails(result, 'manifest', 'manifest.json');
      assert.ok(!result.ok && /line \d+ is /.test(result.failure.message), `${what}: ${result.ok ? '' : result.failure.message}`);
    }
  });

  test('"scope" keeps the requester\'s member order, which the writer passes through', () => {
    const pkg = buildPackage({ manifestText: (t) => t.replace('{"kind":"time","from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}', '{"to":"2026-02-01T00:00:00Z","kind":"time","from":"2026-01-01T00:00:00Z"}') });
    const result = verifyPackage(pkg.bytes);
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.failure));
    assert.deepEqual(result.summary.scope, { kind: 'time', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' });
  });

  test('a manifest that also differs in substance says so, not just that its layout differs', () => {
    // Changed and minified: the digest is what is reported.
    const result = verifyPackage(
      buildPackage({
        manifestText: (t) => {
          const m = JSON.parse(t) as { files: { path: string; sha256: string }[] };
          (m.files.find((f) => f.path === 'report.html') as { sha256: string }).sha256 = '0'.repeat(64);
          return JSON.stringify(m);
        },
      }).bytes,
    );
    fails(result, 'digest', 'report.html');
  });

  test('sha256sums is exactly the lines, with nothing before or after', () => {
    const sums = (f: Map<string, Uint8Array>): string =>
      [...f.keys()]
        .filter((p) => p !== 'sha256sums')
        .sort()
        .map((p) => `${sha256hex(f.get(p) as Uint8Array)}  ${p}\n`)
        .join('');
    failsToBuild({ beforeManifest: (f) => f.set('sha256sums', text(`${sums(f)}\n`)) }, 'sha256sums', 'sha256sums');
    failsToBuild({ beforeManifest: (f) => f.set('sha256sums', text(sums(f).slice(0, -1))) }, 'sha256sums', 'sha256sums');
    failsToBuild({ beforeManifest: (f) => f.set('sha256sums', text(sums(f).replace('  VERIFY.md', ' *VERIFY.md'))) }, 'sha256sums', 'sha256sums');
    failsToBuild({ beforeManifest: (f) => f.set('sha256sums', text(sums(f).toUpperCase())) }, 'sha256sums', 'sha256sums');
    assert.ok(verifyPackage(buildPackage({ beforeManifest: (f) => f.set('sha256sums', text(sums(f))) }).bytes).ok);
  });

  test('members must share one mtime', () => {
    // The second member's mtime (octal, at 136 in its header) one second later, checksum fixed.
    const bytes = Buffer.from(buildPackage().bytes);
    const second = 512 + Math.ceil(octal(bytes, 124) / 512) * 512;
    bytes.write((octal(bytes, second + 136) + 1).toString(8).padStart(11, '0'), second + 136, 'latin1');
    bytes.fill(0x20, second + 148, second + 156);
    let sum = 0;
    for (let i = second; i < second + 512; i++) sum += bytes[i] as number;
    bytes.write(`${sum.toString(8).padStart(6, '0')}\0 `, second + 148, 'latin1');
    fails(verifyPackage(bytes), 'tar-header', 'checkpoint');
  });
});

function octal(bytes: Buffer, at: number): number {
  return parseInt(bytes.toString('latin1', at, at + 11), 8);
}

describe('verifyPackage: entries and proofs', () => {
  test('an entry whose proof is for another index fails', () => {
    failsToBuild({ afterManifest: (f) => f.set(entry(3, 'tlog-proof'), f.get(entry(4, 'tlog-proof')) as Uint8Array) }, 'proof', entry(3, 'tlog-proof'));
  });

  test('an entry changed (and listed as changed) is not included', () => {
    failsToBuild(
      { beforeManifest: (f) => f.set(entry(7, 'json'), text(Buffer.from(f.get(entry(7, 'json')) as Uint8Array).toString().replace('"n":7', '"n":8'))) },
      'inclusion',
      entry(7, 'json'),
    );
  });

  test('a proof with a wrong sibling is not included', () => {
    failsToBuild(
      {
        beforeManifest: (f) => {
          const proof = Buffer.from(f.get(entry(11, 'tlog-proof')) as Uint8Array).toString('latin1');
          const lines = proof.split('\n');
          lines[3] = Buffer.alloc(32, 7).toString('base64');
          f.set(entry(11, 'tlog-proof'), Buffer.from(lines.join('\n'), 'latin1'));
        },
      },
      'inclusion',
      entry(11, 'json'),
    );
  });

  test('an entry without its proof, or a proof without its entry, fails', () => {
    failsToBuild({ beforeManifest: (f) => f.delete(entry(4, 'tlog-proof')) }, 'entry', entry(4, 'json'));
    failsToBuild({ beforeManifest: (f) => f.delete(entry(11, 'tlog-proof')) }, 'entry', entry(11, 'json'));
    failsToBuild({ beforeManifest: (f) => f.delete(entry(4, 'json')) }, 'entry', entry(4, 'tlog-proof'));
  });

  test('a proof must reproduce the checkpoint verbatim and carry no extra line', () => {
    const pkg = buildPackage();
    const checkpoint = Buffer.from(pkg.files.get('checkpoint') as Uint8Array).toString();
    const other = pkg.log.checkpoint(12, testKey());
    failsToBuild({ key: pkg.key, beforeManifest: (f) => f.set(entry(2, 'tlog-proof'), text(tlogProof(2, pkg.log.inclusion(2, 12), other))) }, 'proof', entry(2, 'tlog-proof'));
    const withExtra = tlogProof(2, pkg.log.inclusion(2, 12), checkpoint).replace('\nindex', '\nextra AAAA\nindex');
    failsToBuild({ key: pkg.key, beforeManifest: (f) => f.set(entry(2, 'tlog-proof'), text(withExtra)) }, 'proof', entry(2, 'tlog-proof'));
  });

  test('an entry that is not a ledger entry fails', () => {
    failsToBuild({ beforeManifest: (f) => f.set(entry(3, 'json'), text('{"kind":"x","time":"yesterday"}')) }, 'entry', entry(3, 'json'));
  });

  test('an entry at or beyond the tree size fails', () => {
    failsToBuild({ treeSize: 12, indices: [2, 3, 4, 12] }, 'entry', entry(12, 'json'));
  });
});

describe('verifyPackage: evidence', () => {
  test('evidence no entry commits to fails', () => {
    const data = text('{"kind":"bias"}\n');
    failsToBuild({ beforeManifest: (f) => f.set(`evidence/${sha256hex(data)}.json`, data) }, 'commitment', `evidence/${sha256hex(data)}.json`);
  });

  test('evidence committed to by several entries, one after another or not, verifies', () => {
    // The document the builder commits to in the second entry, committed to by the first too.
    const document = sha256hex(`${JSON.stringify({ kind: 'validation', auc: 0.91 })}\n`);
    const data = text('{"kind":"other"}\n');
    const cases: [string[], number][] = [
      [[`sha256:${document}`], 2],
      [[`sha256:${sha256hex(data)}`, `sha256:${document}`], 3],
      [[`sha256:${document}`, `sha256:${sha256hex(data)}`], 3],
    ];
    for (const [commitments, files] of cases) {
      const result = verifyPackage(buildPackage({ commitments, beforeManifest: (f) => (files === 3 ? f.set(`evidence/${sha256hex(data)}.json`, data) : undefined) }).bytes);
      assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.failure));
      assert.equal(result.summary.evidence.files, files);
    }
  });

  test('evidence not named by its SHA-256 fails', () => {
    const data = text('{"kind":"bias"}\n');
    const wrong = sha256hex('something else');
    failsToBuild({ beforeManifest: (f) => f.set(`evidence/${wrong}.json`, data) }, 'evidence', `evidence/${wrong}.json`);
  });

  test('every signature by the log key on a DSSE envelope must verify (VERIFY.md checks the first)', () => {
    const pkg = buildPackage();
    const envelope = JSON.parse(Buffer.from(pkg.files.get(pkg.evidence.envelope) as Uint8Array).toString()) as { signatures: { keyid: string; sig: string }[] };
    const good = envelope.signatures[0] as { keyid: string; sig: string };
    const variants: [unknown[], boolean][] = [
      [[{ keyid: good.keyid, sig: Buffer.alloc(64).toString('base64') }, good], false],
      [[{ keyid: 'another key', sig: Buffer.alloc(64).toString('base64') }, good], true],
      [[{ sig: good.sig }], false], // no keyid: not by the log key
      [[good, { keyid: good.keyid }], false], // a signature without sig
    ];
    for (const [signatures, ok] of variants) {
      const bytes = text(`${JSON.stringify({ ...envelope, signatures })}\n`);
      const path = `evidence/${sha256hex(bytes)}.dsse.json`;
      const result = verifyPackage(buildPackage({ key: pkg.key, commitments: [`sha256:${sha256hex(bytes)}`], beforeManifest: (f) => f.set(path, bytes) }).bytes);
      if (ok) assert.ok(result.ok, JSON.stringify(signatures));
      else fails(result, 'dsse', path);
    }
  });

});

describe('verifyPackage: a newer checkpoint', () => {
  const pkg = buildPackage();
  const newer = pkg.log.checkpoint(20, pkg.key);
  const proof = pkg.log.consistency(12, 20);

  test('consistent with the package: verified and reported', () => {
    const result = verifyPackage(pkg.bytes, { key: pkg.key.vkey, newerCheckpoint: newer, consistencyProof: proof });
    assert.ok(result.ok);
    assert.deepEqual(result.summary.newerCheckpoint, { treeSize: 20, rootHash: Buffer.from(pkg.log.root(20)).toString('base64') });
    const api = verifyPackage(pkg.bytes, { newerCheckpoint: Buffer.from(newer), consistencyProof: { from: 12, to: 20, hashes: proof } });
    assert.ok(api.ok);
  });

  test('the same tree size with an empty proof is consistent', () => {
    assert.ok(verifyPackage(pkg.bytes, { newerCheckpoint: pkg.log.checkpoint(12, pkg.key), consistencyProof: [] }).ok);
  });

  test('a wrong proof fails, with the package summary', () => {
    const bad = proof.map((h, i) => (i === 1 ? Buffer.alloc(32) : h));
    const result = verifyPackage(pkg.bytes, { newerCheckpoint: newer, consistencyProof: bad });
    fails(result, 'consistency');
    assert.ok(!result.ok && result.summary?.checkpoint.treeSize === 12);
    fails(verifyPackage(pkg.bytes, { newerCheckpoint: newer, consistencyProof: proof.slice(1) }), 'consistency');
    fails(verifyPackage(pkg.bytes, { newerCheckpoint: newer, consistencyProof: { from: 11, to: 20, hashes: proof } }), 'consistency');
  });

  test('a newer checkpoint by another key, or an older one, fails', () => {
    fails(verifyPackage(pkg.bytes, { newerCheckpoint: pkg.log.checkpoint(20, testKey()), consistencyProof: proof }), 'newer-checkpoint');
    fails(verifyPackage(pkg.bytes, { newerCheckpoint: pkg.log.checkpoint(8, pkg.key), consistencyProof: [] }), 'consistency');
  });

  test('a newer checkpoint without its proof is a programmer error', () => {
    assert.throws(() => verifyPackage(pkg.bytes, { newerCheckpoint: newer }), (err: unknown) => err instanceof VerifyError);
  });
});

describe('verifyPackage: any changed byte fails', () => {
  // Three entries keep the package at two records (20 KB), so that this runs in seconds.
  const pkg = buildPackage({ indices: [2, 3, 5] });

  test('the package is small and valid', () => {
    assert.ok(pkg.bytes.length <= 40 * 1024, `${pkg.bytes.length} bytes`);
    assert.ok(verifyPackage(pkg.bytes).ok);
  });

  test('flipping the low bit of every byte, and the high bit of every 7th, fails without throwing', () => {
    const bytes = Buffer.from(pkg.bytes);
    const passed: string[] = [];
    const flip = (at: number, mask: number): void => {
      bytes[at] = (bytes[at] as number) ^ mask;
      const result = verifyPackage(bytes);
      bytes[at] = (bytes[at] as number) ^ mask;
      if (result.ok) passed.push(`byte ${at} ^ 0x${mask.toString(16)}`);
    };
    for (let at = 0; at < bytes.length; at++) flip(at, 0x01);
    for (let at = 3; at < bytes.length; at += 7) flip(at, 0x80);
    assert.deepEqual(passed, []);
  });
});
