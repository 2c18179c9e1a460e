import fs from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../errors/configuration-error.js';

export interface PermissionCheck {
  readonly dataDir: string;
  /** The signing key, when not under the data directory. */
  readonly keyFile?: string | undefined;
  /** Tighten what is too open (directories to 0700, files to 0600) instead of refusing. */
  readonly fix?: boolean;
}

/** Secrets Cairn keeps on disk, by role: what a group or other reader would get from each. */
const FILES: readonly (readonly [string, string])[] = [
  ['cairn.db', 'the embedded store'],
  ['cairn.db-wal', 'the embedded store'],
  ['cairn.db-shm', 'the embedded store'],
  ['admin-token', 'the bootstrap admin token'],
  ['keys', 'the key directory'],
  [path.join('keys', 'log-ed25519.pem'), 'the signing key'],
];

/**
 * Refuses to start on a data directory, store, key or token file that the owner's group or
 * anyone else can access (mode & 077): the store holds token hashes and evidence, the key signs
 * for the log, the token is an admin credential. With `fix`, tightens them and returns what it
 * changed. Only what exists is checked: a first start creates everything 0700/0600.
 */
export function checkDataPermissions(check: PermissionCheck): string[] {
  const targets = [
    { file: check.dataDir, what: 'the data directory' },
    ...FILES.map(([name, what]) => ({ file: path.join(check.dataDir, name), what })),
    ...(check.keyFile ? [{ file: check.keyFile, what: 'the signing key' }] : []),
  ];
  const fixed: string[] = [];
  for (const { file, what } of targets) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) continue;
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) === 0) continue;
    const wanted = stat.isDirectory() ? 0o700 : 0o600;
    if (!check.fix) {
      throw new ConfigurationError(
        `${file} (${what}) has mode ${mode.toString(8).padStart(4, '0')}: it must be accessible by its owner only. Run \`chmod ${wanted.toString(8)} ${file}\`, or start once with --fix-permissions`,
      );
    }
    fs.chmodSync(file, wanted);
    fixed.push(`${file}: ${mode.toString(8).padStart(4, '0')} → ${wanted.toString(8).padStart(4, '0')}`);
  }
  return fixed;
}
