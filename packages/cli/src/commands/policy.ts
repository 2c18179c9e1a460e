import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Decision, PolicyIssue, PolicyVersion } from '@cairn/sdk';
import { run } from '../action.js';
import { connect } from '../connection.js';
import { CliError, EXIT } from '../exit-codes.js';
import { emit } from '../output.js';
import { parseList } from '../parse.js';

function readPack(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.usage, `cannot read ${file}: ${(err as Error).message}`, 'file_unreadable');
  }
}

const describeIssues = (issues: readonly PolicyIssue[]) => issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.path || '/'}: ${i.message}`).join('\n');

function describeVersion(v: PolicyVersion): string {
  const lines = [`${v.id}  ${v.status}  ${v.hash}`, `  proposed by ${v.proposedBy} at ${v.proposedAt} (ledger ${v.proposalIndex}): ${v.reason}`];
  if (v.decidedBy) lines.push(`  ${v.status === 'rejected' ? 'rejected' : 'approved'} by ${v.decidedBy} at ${v.decidedAt} (ledger ${v.decisionIndex}): ${v.decisionReason}`);
  if (v.diff.length > 0) {
    lines.push(`  changes (${v.diff.length}):`);
    for (const c of v.diff.slice(0, 50)) lines.push(`    ${c.op === 'add' ? '+' : c.op === 'remove' ? '-' : '~'} ${c.path}${c.op === 'replace' ? `: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}` : ''}`);
    if (v.diff.length > 50) lines.push(`    … ${v.diff.length - 50} more`);
  }
  return lines.join('\n');
}

const describeDecision = (d: Decision) =>
  [`${d.allowed ? 'ALLOWED' : 'DENIED'} (${d.question}, policy ${d.policy})`, ...d.reasons.map((r) => `  - ${r}`), ...(d.obligations.length ? ['  obligations:', ...d.obligations.map((o) => `  * ${o}`)] : [])].join('\n');

export function policyCommands(program: Command): void {
  const policy = program.command('policy').description('policy as code: lint, propose, approve, inspect, check placements');

  policy
    .command('lint')
    .description('validate a policy pack (schema and cross-references); every issue with file:line:column')
    .argument('<file>', 'policy pack (YAML)')
    .option('--offline', 'validate locally without a server')
    .action(
      run(program, async (g, file: string, o: { offline?: boolean }) => {
        const source = readPack(file);
        let result: { valid: boolean; hash: string | null; issues: PolicyIssue[] };
        if (o.offline) {
          const { loadPolicy, PolicyError } = await import('@cairn/server/policy');
          try {
            result = { valid: true, hash: loadPolicy(source, file).hash, issues: [] };
          } catch (err) {
            if (!(err instanceof PolicyError)) throw err;
            result = { valid: false, hash: null, issues: [...err.issues] };
          }
        } else {
          result = await connect(g).policy.lint(source, file);
        }
        emit(g, result, () => (result.valid ? `${file}: valid (${result.hash})` : describeIssues(result.issues)));
        if (!result.valid) process.exitCode = EXIT.verificationFailed;
      }),
    );

  policy
    .command('propose')
    .description('propose a policy pack; recorded with its diff; active only once another reviewer:compliance approves it')
    .argument('<file>', 'policy pack (YAML)')
    .requiredOption('--reason <text>', 'why this change')
    .action(
      run(program, async (g, file: string, o: { reason: string }) => {
        const v = await connect(g).policy.propose(readPack(file), o.reason, path.basename(file));
        emit(g, v, () => `${describeVersion(v)}\n\nApprove with: cairn policy approve ${v.id} --reason "…" (as a reviewer:compliance other than ${v.proposedBy})`);
      }),
    );

  for (const action of ['approve', 'reject'] as const) {
    policy
      .command(action)
      .description(action === 'approve' ? 'approve a proposal: it becomes the active pack (never by its proposer)' : 'reject a proposal')
      .argument('<id>', 'proposal id (pol_…)')
      .requiredOption('--reason <text>', 'why')
      .action(
        run(program, async (g, id: string, o: { reason: string }) => {
          const client = connect(g);
          const r = action === 'approve' ? await client.policy.approve(id, o.reason) : await client.policy.reject(id, o.reason);
          emit(g, r, () => describeVersion(r.version));
        }),
      );
  }

  policy
    .command('show')
    .description('the active pack (or one version), with who approved it and its diff')
    .argument('[id]', 'a version or proposal id (default: the active pack)')
    .option('--source', 'print the YAML source')
    .action(
      run(program, async (g, id: string | undefined, o: { source?: boolean }) => {
        const client = connect(g);
        const r = id ? await client.policy.version(id) : await client.policy.active();
        emit(g, r, () => (o.source ? r.source : describeVersion(r.version)));
      }),
    );

  policy
    .command('versions')
    .description('policy versions and proposals, newest first')
    .option('--status <status>', 'proposed, active, superseded or rejected')
    .action(
      run(program, async (g, o: { status?: PolicyVersion['status'] }) => {
        const versions = await connect(g).policy.versions(o.status);
        emit(g, { versions }, () => (versions.length ? versions.map((v) => `${v.id}  ${v.status.padEnd(10)}  ${v.proposedAt}  ${v.proposedBy}: ${v.reason}`).join('\n') : '(none)'));
      }),
    );

  policy
    .command('check-placement')
    .description('may a workload handling these data classes run in this zone? (exit 1 if denied)')
    .requiredOption('--zone <zone>', 'target zone, e.g. hipaa-ai')
    .requiredOption('--data-class <classes>', 'comma-separated data classes, e.g. ephi,internal', parseList)
    .option('--egress <hosts>', 'hosts the workload calls, comma-separated', parseList)
    .option('--signed-images', 'the workload runs signed images')
    .option('--encrypted-volumes', 'the workload uses encrypted volumes')
    .option('--runtime-identity', 'the workload has a runtime identity')
    .option('--external-llm-calls', 'the workload calls external LLMs')
    .action(
      run(program, async (g, o: { zone: string; dataClass: string[]; egress?: string[]; signedImages?: boolean; encryptedVolumes?: boolean; runtimeIdentity?: boolean; externalLlmCalls?: boolean }) => {
        const workload = {
          dataClasses: o.dataClass,
          ...(o.egress ? { egress: o.egress } : {}),
          ...(o.signedImages ? { signedImages: true } : {}),
          ...(o.encryptedVolumes ? { encryptedVolumes: true } : {}),
          ...(o.runtimeIdentity ? { runtimeIdentity: true } : {}),
          ...(o.externalLlmCalls ? { externalLlmCalls: true } : {}),
        };
        const r = await connect(g).policy.checkPlacement(workload, o.zone);
        emit(g, r, () => describeDecision({ kind: 'decision', question: `placement of ${o.dataClass.join(', ')} in ${o.zone}`, ...r }));
        if (!r.allowed) process.exitCode = EXIT.verificationFailed;
      }),
    );
}
