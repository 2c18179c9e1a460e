import { BackupError } from './backup-error.js';

export const BACKUP_FORMAT = 'cairn-backup/v1';
/** The first member of every backup archive (it sorts before `cairn.db`). */
export const MANIFEST_PATH = 'backup.json';
/** The members a backup may hold besides the manifest. */
export const STORE_PATH = 'cairn.db';
export const KEY_PATH = 'keys/log-ed25519.pem';

export interface BackupFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** What `backup.json` says about the snapshot: which log, how far, which files. */
export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly createdAt: string;
  readonly origin: string;
  readonly verifierKey: string;
  readonly treeSize: number;
  readonly latestCheckpoint: { readonly size: number; readonly rootHash: string } | null;
  readonly includesKey: boolean;
  readonly files: readonly BackupFile[];
}

const ALLOWED = new Set([STORE_PATH, KEY_PATH]);
/** A streamed manifest beside the store: `manifests/<upload uuid>.json`, nothing that could climb out of the target. */
const MANIFEST_FILE = /^manifests\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$/;

/** Parses `backup.json` at the edge: anything unexpected means the file is not a backup we wrote. */
export function parseBackupManifest(bytes: Buffer): BackupManifest {
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(bytes.toString('utf8')) as Partial<BackupManifest>;
  } catch (err) {
    throw new BackupError('not_a_backup', `${MANIFEST_PATH} is not JSON`, { cause: err });
  }
  const bad = (what: string): never => {
    throw new BackupError('not_a_backup', `${MANIFEST_PATH}: ${what}`);
  };
  if (m === null || typeof m !== 'object') bad('not an object');
  if (m.format !== BACKUP_FORMAT) bad(`format is ${JSON.stringify(m.format)}, expected ${BACKUP_FORMAT}`);
  if (typeof m.origin !== 'string' || typeof m.verifierKey !== 'string' || typeof m.createdAt !== 'string') bad('origin, verifierKey or createdAt missing');
  if (!Number.isSafeInteger(m.treeSize) || m.treeSize! < 0) bad('treeSize is not a size');
  if (!Array.isArray(m.files)) bad('files is not a list');
  const paths = new Set<string>();
  for (const f of m.files!) {
    if (!f || !(ALLOWED.has(f.path) || MANIFEST_FILE.test(String(f.path))) || paths.has(f.path) || !Number.isSafeInteger(f.size) || !/^[0-9a-f]{64}$/.test(String(f.sha256))) bad(`bad file record ${JSON.stringify(f)}`);
    paths.add(f.path);
  }
  if (!paths.has(STORE_PATH)) bad(`no ${STORE_PATH}`);
  return m as BackupManifest;
}
