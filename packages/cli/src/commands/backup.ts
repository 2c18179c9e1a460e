import fs from 'node:fs';
import type { Command } from 'commander';
import { FileTrustStore } from '@cairn/sdk';
import type { BackupError, BackupManifest } from '@cairn/server';
import { run, type GlobalOptions } from '../action.js';
import { connect } from '../connection.js';
import { CliError, EXIT } from '../exit-codes.js';
import { emit } from '../output.js';
import { progressBar } from '../progress.js';

const MiB = 1 << 20;

/** `cairn backup` and `cairn restore`: online snapshots of the embedded store, restored only if they do not fork the log. */
export function backupCommands(program: Command): void {
  program
    .command('backup')
    .description('take a consistent online snapshot of the embedded store (the server may be running) into one archive, mode 0600')
    .requiredOption('--data <dir>', 'data directory of the embedded store')
    .requiredOption('-o, --output <file>', 'the archive to write (must not exist)')
    .option('--include-key', 'also put the signing key in the archive (default: no; back the key up apart, see docs/operations.md)')
    .option('--key-file <file>', 'the signing key, when not DATA/keys/log-ed25519.pem (with --include-key)')
    .addHelpText(
      'after',
      `
The archive holds backup.json (origin, key, tree size, SHA-256 of each file), cairn.db (a
snapshot through SQLite's online backup API, audited before it is written) and, with
--include-key only, the signing key. It is written under a temporary name and renamed: an
interrupted backup leaves no archive. PostgreSQL stores are backed up with pg_basebackup.

Example:
  $ cairn backup --data /var/lib/cairn -o /backup/cairn-$(date +%F).tar`,
    )
    .action(
      run(program, async (g, options: { data: string; output: string; includeKey?: boolean; keyFile?: string }) => {
        if (options.keyFile && !options.includeKey) throw new CliError(EXIT.usage, '--key-file is only for --include-key', 'invalid_arguments');
        const { backupEmbeddedStore } = await import('@cairn/server');
        const bar = progressBar('backing up', !g.json, 'MiB');
        const manifest = await backupEmbeddedStore({
          dataDir: options.data,
          outFile: options.output,
          includeKey: options.includeKey ?? false,
          keyFile: options.keyFile,
          onProgress: (d, t) => bar.update(Math.round(d / MiB), Math.max(1, Math.round(t / MiB))),
        }).catch(asCliError);
        bar.stop();
        emit(g, { file: options.output, ...manifest }, () =>
          [
            `backup written to ${options.output} (mode 0600)`,
            `  origin      ${manifest.origin}`,
            `  entries     ${manifest.treeSize}`,
            `  checkpoint  ${manifest.latestCheckpoint ? `size ${manifest.latestCheckpoint.size}, root ${manifest.latestCheckpoint.rootHash}` : '-'}`,
            `  key         ${manifest.includesKey ? 'included: keep this archive as secret as the key' : 'not included: restore needs the key file kept apart'}`,
          ].join('\n'),
        );
      }),
    );

  program
    .command('restore')
    .description('restore a backup into a new data directory, refusing one behind a published checkpoint (that would fork the log)')
    .argument('<file>', 'the archive cairn backup wrote')
    .requiredOption('--data <dir>', 'the data directory to create (must not exist, or be empty)')
    .option('--checkpoint <fileOrUrl>', 'a checkpoint already published: a signed note file, or a server URL to fetch /api/v1/log/checkpoint from')
    .option('--force', 'restore even though the snapshot is behind a published checkpoint (needs --reason)')
    .option('--reason <text>', 'why --force: recorded in the restored ledger when the server next starts')
    .addHelpText(
      'after',
      `
The snapshot is audited offline, then compared with every published checkpoint known: the one
given with --checkpoint, the server given with the global --url, and the checkpoints this
CLI trusts for the same log (cairn trust list). Exit 1 if the snapshot's tree is behind one of
them (unless --force --reason) or differs from one at its size (never accepted). The signing
key is not in a backup unless it was taken with --include-key: copy it to DATA/keys/ or start
the server with --key-file.

Examples:
  $ cairn restore /backup/cairn-2026-12-01.tar --data /var/lib/cairn-restored --checkpoint https://cairn.internal:8443
  $ cairn restore old.tar --data /var/lib/cairn --force --reason "INC-2291: disk lost, entries since 09:00 re-entered"`,
    )
    .action(
      run(program, async (g, file: string, options: { data: string; checkpoint?: string; force?: boolean; reason?: string }) => {
        if (options.force && !options.reason?.trim()) throw new CliError(EXIT.usage, '--force needs --reason TEXT: it is recorded in the restored log', 'invalid_arguments');
        if (!options.force && options.reason !== undefined) throw new CliError(EXIT.usage, '--reason is only for --force', 'invalid_arguments');
        if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new CliError(EXIT.usage, `${file} is not a file`, 'invalid_arguments');
        const { readBackupManifest, restoreEmbeddedStore } = await import('@cairn/server');
        const manifest = (() => {
          try {
            return readBackupManifest(file);
          } catch (err) {
            return asCliError(err);
          }
        })();
        const published = await publishedCheckpoints(g, manifest, options.checkpoint);
        const bar = progressBar('restoring', !g.json, 'MiB');
        const result = await restoreEmbeddedStore({
          file,
          dataDir: options.data,
          published,
          force: options.force ?? false,
          reason: options.reason,
          onProgress: (d, t) => bar.update(Math.round(d / MiB), Math.max(1, Math.round(t / MiB))),
        }).catch(asCliError);
        bar.stop();
        emit(g, { dataDir: result.dataDir, origin: result.manifest.origin, treeSize: result.audit.treeSize, includesKey: result.manifest.includesKey, comparedWith: result.comparedWith ?? null, forced: result.forced ?? null }, () =>
          [
            `restored ${file} into ${result.dataDir}`,
            `  origin      ${result.manifest.origin}`,
            `  entries     ${result.audit.treeSize}, audited`,
            `  published   ${result.comparedWith ? `compared with the checkpoint of size ${result.comparedWith.size} (${result.comparedWith.source})` : 'no published checkpoint known: nothing to compare with'}`,
            ...(result.forced ? [`  FORCED      ${result.forced.publishedSize - result.forced.snapshotSize} published entries are lost; the reason is recorded when the server starts`] : []),
            ...(result.manifest.includesKey ? [] : [`  key         not in the backup: copy the signing key to ${result.dataDir}/keys/log-ed25519.pem (mode 0600) or start with --key-file`]),
          ].join('\n'),
        );
      }),
    );
}

/** Checkpoints published for the backup's log: --checkpoint, the global --url, and the trust store. */
async function publishedCheckpoints(g: GlobalOptions, manifest: BackupManifest, checkpoint: string | undefined): Promise<{ note: string; source: string }[]> {
  const out: { note: string; source: string }[] = [];
  for (const log of new FileTrustStore().list()) {
    if (log.origin === manifest.origin && log.verifierKey === manifest.verifierKey && log.checkpoint) out.push({ note: log.checkpoint.note, source: `trusted checkpoint of ${log.url}` });
  }
  const servers = [...(checkpoint && /^https?:\/\//i.test(checkpoint) ? [checkpoint] : []), ...(g.url ? [g.url] : [])];
  if (checkpoint && servers[0] !== checkpoint) {
    try {
      out.push({ note: fs.readFileSync(checkpoint, 'utf8'), source: checkpoint });
    } catch (err) {
      throw new CliError(EXIT.usage, `cannot read checkpoint file ${checkpoint}: ${(err as Error).message}`, 'invalid_arguments');
    }
  }
  for (const url of servers) {
    const cp = await connect({ ...g, url, key: manifest.verifierKey }).checkpoint();
    out.push({ note: cp.note, source: `${url}/api/v1/log/checkpoint` });
  }
  return out;
}

const USAGE: ReadonlySet<string> = new Set(['invalid_arguments', 'not_a_backup']);

function asCliError(err: unknown): never {
  if (err instanceof Error && err.name === 'BackupError') {
    const e = err as BackupError;
    throw new CliError(USAGE.has(e.code) ? EXIT.usage : EXIT.verificationFailed, e.message, e.code, e.details);
  }
  throw err;
}
