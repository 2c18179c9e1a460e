export type BackupErrorCode =
  /** The file is not a Cairn backup (not our tar, no or a bad backup.json). */
  | 'not_a_backup'
  /** A member's bytes differ from the manifest, or the snapshot's log does not audit. */
  | 'backup_corrupt'
  /** The snapshot's tree is smaller than a checkpoint already published: restoring it would fork the log. */
  | 'backup_behind_checkpoint'
  /** The snapshot's tree at a published checkpoint's size has another root: it is not this log's history. */
  | 'backup_forks_checkpoint'
  /** A published checkpoint given to restore does not verify under the snapshot's key, or names another log. */
  | 'checkpoint_invalid'
  /** Bad arguments: the output exists, the target directory is not empty, a reason is missing. */
  | 'invalid_arguments';

/** Why a backup or a restore was refused. Nothing is left half-written when it is thrown. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }
  readonly details: unknown;
}
