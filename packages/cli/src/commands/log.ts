import type { Command } from 'commander';
import type { AuditReport } from '@cairn/server';
import { toHex } from '@cairn/verify';
import { run } from '../action.js';
import { pinnedKey } from '../key-option.js';
import { connect } from '../connection.js';
import { CliError, EXIT } from '../exit-codes.js';
import { emit } from '../output.js';
import { parseIndex } from '../parse.js';
import { progressBar } from '../progress.js';
import { auditRemote } from '../remote-audit.js';


export function logCommand(program: Command): void {
  const log = program
    .command('log')
    .description('read, prove and audit the ledger')
    .addHelpText('after', '\nEvery command verifies what the server returns; see docs/cli.md for exit codes.');

  log
    .command('checkpoint')
    .description('fetch the latest signed checkpoint; verify its signature and its consistency with the last trusted one')
    .option('--sign', 'ask the server to sign a checkpoint now if the tree grew')
    .action(
      run(program, async (g, options: { sign?: boolean }) => {
        const cp = await connect(g).checkpoint({ sign: options.sign ?? false });
        emit(g, { origin: cp.origin, size: cp.size, rootHash: toHex(cp.rootHash), note: cp.note, verified: true }, () => `${cp.note}\nverified: signature and consistency with the last trusted checkpoint`);
      }),
    );

  log
    .command('key')
    .description("the log's verifier key (C2SP note verifier key): publish it, and give it to examiners for cairn-verify --key")
    .action(
      run(program, async (g) => {
        const k = await connect(g).key();
        emit(g, k, () => k.verifierKey);
      }),
    );

  log
    .command('entry')
    .description('fetch entry N; check that its leaf hash is the hash of its canonical bytes')
    .argument('<index>', 'entry index (0-based)', parseIndex)
    .action(
      run(program, async (g, index: number) => {
        const e = await connect(g).entry(index);
        emit(g, { index: e.index, leafHash: e.leafHash, entry: e.entry }, () => `entry ${e.index}  leaf ${e.leafHash}\n${JSON.stringify(e.entry, null, 2)}`);
      }),
    );

  log
    .command('prove')
    .description('prove that entry N is in the log: inclusion proof into a signed checkpoint, verified locally')
    .argument('<index>', 'entry index (0-based)', parseIndex)
    .option('--size <treeSize>', 'prove into the signed checkpoint of this size (default: the latest)', parseIndex)
    .action(
      run(program, async (g, index: number, options: { size?: number }) => {
        const p = await connect(g).proveInclusion(index, options.size);
        emit(g, { index: p.index, treeSize: p.treeSize, leafHash: p.leafHash, hashes: p.hashes, rootHash: toHex(p.checkpoint.rootHash), verified: true }, () =>
          [
            `entry ${p.index} is included in the log of size ${p.treeSize} (${p.checkpoint.origin})`,
            `  leaf hash ${p.leafHash}`,
            `  root      ${toHex(p.checkpoint.rootHash)}`,
            `  proof     ${p.hashes.length} hashes, verified against the signed checkpoint`,
          ].join('\n'),
        );
      }),
    );

  log
    .command('consistency')
    .description('prove that the log of size B extends the log of size A (both signed checkpoints)')
    .argument('<a>', 'older tree size', parseIndex)
    .argument('<b>', 'newer tree size', parseIndex)
    .action(
      run(program, async (g, a: number, b: number) => {
        if (a > b) throw new CliError(EXIT.usage, `A (${a}) must not be greater than B (${b})`, 'invalid_range');
        const client = connect(g);
        const older = await client.checkpointAt(a);
        const newer = await client.checkpointAt(b);
        const hashes = await client.proveConsistency(older, newer);
        emit(g, { from: a, to: b, hashes, verified: true }, () => `the log of size ${b} is consistent with the log of size ${a} (${hashes.length} hashes, verified)`);
      }),
    );

  log
    .command('verify')
    .description('audit the whole log: offline from a store (--data / --database-url) or remotely through the API (--url)')
    .option('--data <dir>', 'data directory of an embedded store to audit offline')
    .option('--database-url <url>', 'PostgreSQL store to audit offline')
    .option('--database-schema <name>', 'PostgreSQL schema of the store')
    .addHelpText(
      'after',
      `
With the global --key (the log's verifier key, known out of band), the store or server must be
signed with exactly that key. Offline (--data or --database-url) recomputes every leaf and node from the stored bytes and
checks every signed checkpoint against the tree and its predecessor. Remote (--url, or no
store option) downloads every entry through the API, recomputes the root of the latest signed
checkpoint, and checks it is consistent with the checkpoint trusted last time (kept under
~/.config/cairn/trust); a server that forked is refused. Exit 0 only if everything verifies.`,
    )
    .action(
      run(program, async (g, options: { data?: string; databaseUrl?: string; databaseSchema?: string }) => {
        const key = pinnedKey(g);
        const bar = progressBar('verifying', !g.json);
        if (options.data || options.databaseUrl) {
          const { Store, auditStore } = await import('@cairn/server');
          const store = await Store.open({ dataDir: options.data, databaseUrl: options.databaseUrl, schema: options.databaseSchema, readOnly: true });
          try {
            const report = await auditStore(store, { verifierKey: key, onProgress: (d, t) => bar.update(d, t) });
            bar.stop();
            emit(g, { source: store.description, ...report }, () => describeAudit(store.description, report));
            if (!report.ok) process.exitCode = EXIT.verificationFailed;
          } finally {
            await store.close();
          }
          return;
        }
        const report = await auditRemote(connect(g), (d, t) => bar.update(d, t));
        bar.stop();
        emit(g, report, () =>
          [
            `remote log ${report.url} verified`,
            `  origin      ${report.origin}`,
            `  entries     ${report.entriesChecked} re-hashed; root of the signed checkpoint recomputed`,
            `  checkpoint  size ${report.treeSize}, root ${report.rootHash}`,
            report.previousSize === undefined ? '  trust       first use: checkpoint remembered' : `  trust       consistent with the checkpoint of size ${report.previousSize} trusted before`,
          ].join('\n'),
        );
      }),
    );
}

function describeAudit(source: string, r: AuditReport): string {
  const head = `${r.ok ? 'OK' : 'FAILED'}: ${source}`;
  const lines = [
    head,
    `  origin       ${r.origin ?? '-'}`,
    `  entries      ${r.entriesChecked} of ${r.treeSize} checked`,
    `  checkpoints  ${r.checkpointsChecked} verified${r.latestCheckpoint ? ` (latest: size ${r.latestCheckpoint.size}, root ${r.latestCheckpoint.rootHash})` : ''}`,
  ];
  if (r.problem) lines.push(`  first divergence (${r.problem.check}${r.problem.index === undefined ? '' : ` at index ${r.problem.index}`}): ${r.problem.message}`);
  return lines.join('\n');
}
