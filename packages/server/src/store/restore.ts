import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TarError, readTar, toHex, bytesEqual, verifyCheckpoint, type Checkpoint } from '@cairn/verify';
import { auditStore, type AuditReport } from '../ledger/audit.js';
import { rangeNodes } from '../ledger/tree-math.js';
import { resolvePlan } from '../ledger/tree-reader.js';
import { BackupError } from './backup-error.js';
import { MANIFEST_PATH, parseBackupManifest, type BackupManifest } from './backup-manifest.js';
import { PENDING_RESTORE_KEY, type PendingRestore } from './restore-record.js';
import { Store } from './store.js';

export interface RestoreOptions {
  /** The archive `backupEmbeddedStore` wrote. */
  readonly file: string;
  /** The data directory to create; must not exist or be empty. */
  readonly dataDir: string;
  /** Checkpoints already published for this log (signed notes), e.g. from a running server or a trust store. */
  readonly published?: readonly { readonly note: string; readonly source: string }[];
  /** Restore even though the snapshot is behind a published checkpoint; needs `reason`. */
  readonly force?: boolean;
  readonly reason?: string | undefined;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface RestoreResult {
  readonly dataDir: string;
  readonly manifest: BackupManifest;
  readonly audit: AuditReport;
  /** The largest published checkpoint the snapshot was compared with, if any. */
  readonly comparedWith: { readonly size: number; readonly source: string } | undefined;
  /** Set when `--force` let a snapshot behind a published checkpoint through. */
  readonly forced: PendingRestore | undefined;
}

/**
 * Restores a backup into a new data directory, or refuses and leaves nothing behind. The archive
 * is unpacked beside the target, each file checked against `backup.json`, the store audited
 * offline, and the snapshot compared with every published checkpoint: one larger than the
 * snapshot's tree means entries that witnesses and clients have seen would be lost and the next
 * appends would re-use their indices with other entries — a fork — so that is refused unless
 * forced with a reason; one whose root differs at its own size is never accepted. Only then is
 * the directory renamed into place.
 */
export async function restoreEmbeddedStore(options: RestoreOptions): Promise<RestoreResult> {
  if (options.force && !options.reason?.trim()) throw new BackupError('invalid_arguments', '--force needs --reason TEXT: it is recorded in the restored log');
  if (!options.force && options.reason !== undefined) throw new BackupError('invalid_arguments', '--reason is only for --force');
  const target = path.resolve(options.dataDir);
  const existing = fs.statSync(target, { throwIfNoEntry: false });
  if (existing && (!existing.isDirectory() || fs.readdirSync(target).length > 0)) {
    throw new BackupError('invalid_arguments', `${options.dataDir} exists and is not an empty directory; restore into a new one`);
  }
  const parent = path.dirname(target);
  if (!fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory()) throw new BackupError('invalid_arguments', `${parent} is not a directory`);
  if (!fs.statSync(options.file, { throwIfNoEntry: false })?.isFile()) throw new BackupError('invalid_arguments', `${options.file} is not a file`);

  const work = fs.mkdtempSync(path.join(parent, '.cairn-restore-'));
  try {
    const manifest = unpack(options.file, work, options.onProgress);
    const store = await Store.open({ dataDir: work, readOnly: true });
    let audit: AuditReport;
    let comparedWith: RestoreResult['comparedWith'];
    let behind: { size: number; source: string } | undefined;
    try {
      audit = await auditStore(store);
      if (!audit.ok) throw new BackupError('backup_corrupt', `the snapshot's log does not audit (${audit.problem?.check}): ${audit.problem?.message}`, { details: audit.problem });
      if (audit.origin !== manifest.origin || audit.verifierKey !== manifest.verifierKey || audit.treeSize !== manifest.treeSize) {
        throw new BackupError('backup_corrupt', `backup.json describes ${manifest.origin} at size ${manifest.treeSize}; the snapshot holds ${audit.origin} at size ${audit.treeSize}`);
      }
      for (const published of options.published ?? []) {
        const cp = verifyPublished(published, audit);
        if (!comparedWith || cp.size > comparedWith.size) comparedWith = { size: cp.size, source: published.source };
        if (cp.size > audit.treeSize) {
          if (!behind || cp.size > behind.size) behind = { size: cp.size, source: published.source };
          continue;
        }
        const [root] = cp.size === 0 ? [undefined] : await resolvePlan(store.db, [rangeNodes(0, cp.size)]);
        if (root && !bytesEqual(root, cp.rootHash)) {
          throw new BackupError('backup_forks_checkpoint', `the snapshot's tree at size ${cp.size} has root ${toHex(root)}; ${published.source} published ${toHex(cp.rootHash)}: this backup is not this log's history`);
        }
      }
    } finally {
      await store.close();
    }
    if (behind && !options.force) {
      throw new BackupError(
        'backup_behind_checkpoint',
        `the snapshot's tree has ${audit.treeSize} entries, but a checkpoint of size ${behind.size} was already published (${behind.source}); restoring it would fork the log. Restore a newer backup, or pass --force --reason TEXT`,
        { details: { snapshotSize: audit.treeSize, publishedSize: behind.size } },
      );
    }
    let forced: PendingRestore | undefined;
    if (behind && options.force) {
      forced = { reason: options.reason!.trim(), backupCreatedAt: manifest.createdAt, snapshotSize: audit.treeSize, publishedSize: behind.size, publishedSource: behind.source, restoredAt: new Date().toISOString() };
      await recordForcedRestore(work, forced);
    }
    if (existing) fs.rmdirSync(target);
    fs.renameSync(work, target);
    fs.chmodSync(target, 0o700);
    return { dataDir: target, manifest, audit, comparedWith, forced };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Reads `backup.json` alone (the archive's first member), to learn which log a backup holds before restoring it. */
export function readBackupManifest(file: string): BackupManifest {
  try {
    for (const member of readTar(file)) {
      if (member.path !== MANIFEST_PATH || !member.data) break;
      return parseBackupManifest(Buffer.from(member.data));
    }
  } catch (err) {
    if (err instanceof TarError) throw new BackupError('not_a_backup', `${file} is not a Cairn backup archive: ${err.message}`, { cause: err });
    throw err;
  }
  throw new BackupError('not_a_backup', `${file} does not start with ${MANIFEST_PATH}`);
}

function verifyPublished(published: { note: string; source: string }, audit: AuditReport): Checkpoint {
  try {
    return verifyCheckpoint(published.note, audit.verifierKey!, { origin: audit.origin! });
  } catch (err) {
    throw new BackupError('checkpoint_invalid', `${published.source}: not a checkpoint of ${audit.origin} signed by ${audit.verifierKey}: ${(err as Error).message}`, { cause: err });
  }
}

/** Unpacks the archive into `dir`, checking every member against `backup.json` (the first member). */
function unpack(file: string, dir: string, onProgress?: (done: number, total: number) => void): BackupManifest {
  let manifest: BackupManifest | undefined;
  const seen = new Set<string>();
  try {
    for (const member of readTar(file, onProgress ? { onProgress } : {})) {
      if (!manifest) {
        if (member.path !== MANIFEST_PATH || !member.data) throw new BackupError('not_a_backup', `${file} does not start with ${MANIFEST_PATH}`);
        manifest = parseBackupManifest(Buffer.from(member.data));
        continue;
      }
      const expected = manifest.files.find((f) => f.path === member.path);
      if (!expected || seen.has(member.path)) throw new BackupError('not_a_backup', `${file} holds ${member.path}, which ${MANIFEST_PATH} does not list`);
      seen.add(member.path);
      const out = path.join(dir, member.path);
      fs.mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
      const fd = fs.openSync(out, 'wx', 0o600);
      const hash = crypto.createHash('sha256');
      try {
        for (const chunk of member.chunks()) {
          hash.update(chunk);
          fs.writeSync(fd, chunk);
        }
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      const sha256 = hash.digest('hex');
      if (member.size !== expected.size || sha256 !== expected.sha256) {
        throw new BackupError('backup_corrupt', `${member.path} in ${file} has SHA-256 ${sha256}, ${MANIFEST_PATH} says ${expected.sha256}`);
      }
    }
  } catch (err) {
    if (err instanceof TarError) throw new BackupError('not_a_backup', `${file} is not a Cairn backup archive: ${err.message}`, { cause: err });
    throw err;
  }
  if (!manifest) throw new BackupError('not_a_backup', `${file} is an empty archive`);
  const missing = manifest.files.filter((f) => !seen.has(f.path));
  if (missing.length > 0) throw new BackupError('backup_corrupt', `${file} lacks ${missing.map((f) => f.path).join(', ')}`);
  return manifest;
}

/** Writes the forced restore into the snapshot's metadata; the server records it in the ledger on its next start. */
async function recordForcedRestore(dir: string, record: PendingRestore): Promise<void> {
  const store = await Store.open({ dataDir: dir });
  try {
    await store.db.insertInto('cairn_meta').values({ key: PENDING_RESTORE_KEY, value: JSON.stringify(record) }).execute();
  } finally {
    await store.close();
  }
}
