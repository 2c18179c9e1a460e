import type { Command } from 'commander';
import type { ExportRecord, ExportScope } from '@cairn/sdk';
import { verifyPackage } from '@cairn/verify';
import { pinnedKey } from '../key-option.js';
import { run } from '../action.js';
import { connect } from '../connection.js';
import { CliError, EXIT } from '../exit-codes.js';
import { emit } from '../output.js';
import { parseIndex } from '../parse.js';
import { progressBar } from '../progress.js';

interface ExportOptions {
  model?: string;
  from?: string;
  to?: string;
  subject?: string;
  reason: string;
  output: string;
  checkpoint?: number;
  progress: boolean;
  verify: boolean;
}

/** Exactly one scope: --model NAME@VERSION, --from/--to, or --subject KIND:ID. */
function scopeOf(o: ExportOptions): ExportScope {
  const given = [o.model !== undefined, o.from !== undefined || o.to !== undefined, o.subject !== undefined].filter(Boolean).length;
  if (given !== 1) throw new CliError(EXIT.usage, 'give exactly one scope: --model NAME@VERSION, --from T1 --to T2, or --subject KIND:ID', 'invalid_scope');
  if (o.model !== undefined) {
    const at = o.model.lastIndexOf('@');
    if (at <= 0 || at === o.model.length - 1) throw new CliError(EXIT.usage, `--model ${o.model}: expected NAME@VERSION, e.g. readmission-risk@1.0.0`, 'invalid_scope');
    return { kind: 'model', model: o.model.slice(0, at), version: o.model.slice(at + 1) };
  }
  if (o.subject !== undefined) {
    if (!/^[a-z][a-z0-9_-]*:.+/.test(o.subject)) throw new CliError(EXIT.usage, `--subject ${o.subject}: expected KIND:ID, e.g. dataset:sha256:… or principal:alice`, 'invalid_scope');
    return { kind: 'subject', subject: o.subject };
  }
  if (o.from === undefined || o.to === undefined) throw new CliError(EXIT.usage, 'a time scope needs both --from and --to (RFC 3339, e.g. 2026-01-01T00:00:00Z)', 'invalid_scope');
  return { kind: 'time', from: o.from, to: o.to };
}

function describe(r: ExportRecord): string {
  const s = r.scope;
  const scope = s.kind === 'model' ? `model ${s.model}@${s.version}` : s.kind === 'time' ? `time ${s.from} … ${s.to}` : `subject ${s.subject}`;
  const digest = r.sha256 ? `  ${r.sha256}  ${r.size} bytes` : r.error ? `  (${r.error})` : '';
  return `${r.id}  ${r.state.padEnd(9)} ${scope}, ${r.entries} entries at tree size ${r.checkpointSize}, by ${r.requestedBy} ${r.requestedAt} (#${r.requestIndex})${digest}\n    reason: ${r.reason}`;
}

export function exportCommands(program: Command): void {
  program
    .command('export')
    .description('build a compliance package: a signed, deterministic tar an examiner verifies offline with cairn-verify (the request and the package digest are recorded)')
    .option('--model <name@version>', 'scope: a model version, its lineage, approvals, deployments and the policies in force')
    .option('--from <time>', 'scope: entries from this RFC 3339 time (inclusive) …')
    .option('--to <time>', '… to this one (exclusive)')
    .option('--subject <kind:id>', 'scope: every entry about one subject, e.g. dataset:sha256:…, run:run_…, principal:alice')
    .requiredOption('--reason <text>', 'why the package is made (recorded in the ledger)')
    .requiredOption('-o, --output <file>', 'where to write the package (.tar)')
    .option('--checkpoint <size>', 'prove into this existing signed checkpoint: the same scope at the same checkpoint gives the same bytes', parseIndex)
    .option('--no-progress', 'no progress bar')
    .option('--no-verify', 'do not verify the package after download (by default it is checked as cairn-verify would, with the pinned log key)')
    .addHelpText(
      'after',
      `
Examples:
  cairn export --model readmission-risk@1.0.0 --reason "annual model-risk review" -o review.tar
  cairn export --from 2026-01-01T00:00:00Z --to 2026-04-01T00:00:00Z --reason "Q1 audit" -o q1.tar
  cairn export --subject principal:alice --reason "investigation 2026-17" -o alice.tar
  cairn-verify review.tar --key "$(cat published-log-key.vkey)"`,
    )
    .action(
      run(program, async (g, o: ExportOptions) => {
        const scope = scopeOf(o);
        pinnedKey(g);
        const checkpoint = o.checkpoint;
        const bar = progressBar(`export ${o.output}`, o.progress && !g.json, 'KiB');
        try {
          const client = connect(g);
          const r = await client.exports.download({ scope, reason: o.reason, ...(checkpoint === undefined ? {} : { checkpoint }) }, o.output, {
            onProgress: (received, estimated) => bar.update(Math.floor(received / 1024), Math.max(Math.floor(received / 1024), Math.floor(estimated / 1024))),
          });
          bar.stop();
          let verified: string | undefined;
          if (o.verify) {
            // The key pinned for this server (--key, or the trust store), else the one it announces now.
            const key = g.key ?? client.trusted()?.verifierKey ?? (await client.key()).verifierKey;
            const v = verifyPackage(r.file, { key });
            if (!v.ok) throw new CliError(EXIT.verificationFailed, `${r.file} does not verify: ${v.failure.file}: ${v.failure.check}: ${v.failure.message}`, 'package_invalid');
            verified = v.summary.key.vkey;
          }
          emit(g, { ...r.record, file: r.file, verifiedWith: verified ?? null }, () =>
            [
              `${r.file}  ${r.size} bytes  ${r.sha256}`,
              `  ${r.entries} entries proved into the checkpoint at tree size ${r.checkpointSize}; export ${r.id} recorded at #${r.record.requestIndex} (request) and #${r.record.completionIndex} (digest)`,
              verified ? `  verified with ${verified}; an examiner checks it offline with: cairn-verify ${r.file} --key KEY` : `  verify offline: cairn-verify ${r.file} --key KEY`,
            ].join('\n'),
          );
        } finally {
          bar.stop();
        }
      }),
    );

  const exports = program.command('exports').description('the record of past exports (who, which scope, why, package digest)');
  exports
    .command('list')
    .description('recent exports, newest first')
    .option('--limit <n>', 'how many', parseIndex, 20)
    .action(
      run(program, async (g, o: { limit: number }) => {
        const list = await connect(g).exports.list(o.limit);
        emit(g, list, () => (list.length === 0 ? 'no exports yet' : list.map(describe).join('\n')));
      }),
    );
  exports
    .command('show')
    .description('one export and its state')
    .argument('<id>', 'export id (exp_…)')
    .action(
      run(program, async (g, id: string) => {
        const r = await connect(g).exports.get(id);
        emit(g, r, () => describe(r));
      }),
    );
}
