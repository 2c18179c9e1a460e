import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { tarEnd, tarHeader, tarPadding } from '@cairn/verify';
import { auditStore } from '../ledger/audit.js';
import { BackupError } from './backup-error.js';
import { BACKUP_FORMAT, KEY_PATH, MANIFEST_PATH, STORE_PATH, type BackupFile, type BackupManifest } from './backup-manifest.js';
import { Store, StoreNotFoundError } from './store.js';

export interface BackupOptions {
  /** Data directory of the embedded store (the server may be running on it). */
  readonly dataDir: string;
  /** The archive to write; must not exist. Written under a temporary name, then renamed. */
  readonly outFile: string;
  /** Put the signing key in the archive too (default: no, keep it apart; see docs/operations.md). */
  readonly includeKey?: boolean;
  /** Where the signing key is, when not `DATA/keys/log-ed25519.pem`. */
  readonly keyFile?: string | undefined;
  /** Progress: bytes of the archive written so far, expected total. */
  readonly onProgress?: (done: number, total: number) => void;
}

const CHUNK = 4 << 20;

/**
 * An online, consistent snapshot of the embedded store as one ustar archive, mode 0600:
 * `backup.json` (what the snapshot holds, with a SHA-256 per file), `cairn.db`, and the key if
 * asked. The snapshot comes from SQLite's online backup API (https://www.sqlite.org/backup.html),
 * copying every page in one step so that it holds one read transaction: a server appending
 * meanwhile neither waits nor restarts the copy, and the copy is the store as of one commit.
 * It is audited before the archive is written: a backup that would not restore is never made.
 */
export async function backupEmbeddedStore(options: BackupOptions): Promise<BackupManifest> {
  const source = path.join(options.dataDir, 'cairn.db');
  if (!fs.existsSync(source)) {
    throw new StoreNotFoundError(`no embedded Cairn store at ${options.dataDir} (${source} does not exist); a PostgreSQL store is backed up with pg_basebackup or pg_dump (docs/operations.md)`);
  }
  if (fs.existsSync(options.outFile)) throw new BackupError('invalid_arguments', `${options.outFile} exists; refusing to overwrite it`);
  const outDir = path.dirname(path.resolve(options.outFile));
  if (!fs.statSync(outDir, { throwIfNoEntry: false })?.isDirectory()) throw new BackupError('invalid_arguments', `${outDir} is not a directory`);
  const keyFile = options.keyFile ?? path.join(options.dataDir, 'keys', 'log-ed25519.pem');
  if (options.includeKey && !fs.existsSync(keyFile)) throw new BackupError('invalid_arguments', `--include-key: no key at ${keyFile}`);

  const work = fs.mkdtempSync(path.join(outDir, '.cairn-backup-'));
  const partial = `${options.outFile}.${process.pid}.partial`;
  try {
    const snapshot = path.join(work, STORE_PATH);
    await snapshotSqlite(source, snapshot);
    const store = await Store.open({ dataDir: work, readOnly: true });
    let audit;
    let uploads: string[];
    try {
      audit = await auditStore(store);
      // Streamed manifests live beside the store (DATA/manifests/UPLOAD.json, fsynced before the
      // registration that names them commits): those the snapshot names go into the backup.
      uploads = (await store.db.selectFrom('dataset_manifests').select('upload').where('upload', 'is not', null).execute()).map((r) => r.upload!);
    } finally {
      await store.close();
    }
    if (!audit.ok) throw new BackupError('backup_corrupt', `the snapshot does not audit (${audit.problem?.check}): ${audit.problem?.message}`, { details: audit.problem });

    const members: { path: string; file: string }[] = [{ path: STORE_PATH, file: snapshot }];
    for (const upload of uploads) {
      const file = path.join(options.dataDir, 'manifests', `${upload}.json`);
      if (!fs.existsSync(file)) throw new BackupError('backup_corrupt', `the store names the streamed manifest ${upload}, and ${file} is missing`);
      members.push({ path: `manifests/${upload}.json`, file });
    }
    if (options.includeKey) members.push({ path: KEY_PATH, file: keyFile });
    const files: BackupFile[] = members.map((m) => ({ path: m.path, ...digestFile(m.file) }));
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      origin: audit.origin!,
      verifierKey: audit.verifierKey!,
      treeSize: audit.treeSize,
      latestCheckpoint: audit.latestCheckpoint ?? null,
      includesKey: options.includeKey ?? false,
      files,
    };
    writeArchive(partial, manifest, members, options.onProgress);
    fs.renameSync(partial, options.outFile);
    return manifest;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(partial, { force: true });
  }
}

async function snapshotSqlite(source: string, target: string): Promise<void> {
  const db = new SqliteDatabase(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    await db.backup(target, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  // The copy keeps WAL mode in its header; switch it to a rollback journal so that it is one
  // self-contained file (the server turns WAL back on when it opens the restored store).
  const copy = new SqliteDatabase(target, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  fs.chmodSync(target, 0o600);
}

function digestFile(file: string): { size: number; sha256: string } {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let size = 0;
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, CHUNK, null)) > 0; size += n) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return { size, sha256: hash.digest('hex') };
}

function writeArchive(out: string, manifest: BackupManifest, members: readonly { path: string; file: string }[], onProgress?: (done: number, total: number) => void): void {
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const mtime = Math.floor(Date.parse(manifest.createdAt) / 1000);
  const total = manifest.files.reduce((n, f) => n + f.size, manifestBytes.length);
  const fd = fs.openSync(out, 'wx', 0o600);
  let written = 0;
  let content = 0;
  const put = (bytes: Uint8Array) => {
    fs.writeSync(fd, bytes);
    written += bytes.length;
  };
  try {
    fs.fchmodSync(fd, 0o600); // whatever the umask
    put(tarHeader(MANIFEST_PATH, manifestBytes.length, mtime));
    put(manifestBytes);
    put(tarPadding(manifestBytes.length));
    content += manifestBytes.length;
    members.forEach((m, i) => {
      const expected = manifest.files[i]!.size;
      put(tarHeader(m.path, expected, mtime));
      const src = fs.openSync(m.file, 'r');
      const buf = Buffer.allocUnsafe(CHUNK);
      let copied = 0;
      try {
        for (let n; (n = fs.readSync(src, buf, 0, CHUNK, null)) > 0; ) {
          put(buf.subarray(0, n));
          copied += n;
          content += n;
          onProgress?.(content, total);
        }
      } finally {
        fs.closeSync(src);
      }
      if (copied !== expected) throw new BackupError('backup_corrupt', `${m.file} changed while it was archived`);
      put(tarPadding(expected));
    });
    put(tarEnd(written));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
