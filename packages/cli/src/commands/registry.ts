import fs from 'node:fs';
import type { Command } from 'commander';
import type { VersionDossier } from '@cairn/sdk';
import { run } from '../action.js';
import { connect } from '../connection.js';
import { CliError, EXIT } from '../exit-codes.js';
import { emit } from '../output.js';
import { parseIndex, parseList } from '../parse.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function describeVersion(d: VersionDossier): string {
  const lines = [`${d.id}  ${d.model}@${d.version}  ${d.state}${d.approvalExpiresAt ? ` (approval valid until ${d.approvalExpiresAt})` : ''}`, `  evidence set ${d.evidenceSet}`];
  for (const e of d.evidence ?? []) lines.push(`  evidence  ${e.kind.padEnd(16)} ${e.digest}  ${e.title}${e.metrics ? `  ${JSON.stringify(e.metrics)}` : ''}`);
  for (const a of d.approvals ?? []) lines.push(`  approval  ${a.role.padEnd(20)} ${a.approver}${a.valid ? '' : '  (no longer valid: evidence changed)'}`);
  for (const p of d.pending ?? []) lines.push(`  pending   ${p.role} ×${p.count}`);
  return lines.join('\n');
}

function readFileBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new CliError(EXIT.usage, `cannot read ${file}: ${(err as Error).message}`, 'file_unreadable');
  }
}

export function registryCommands(program: Command): void {
  const model = program.command('model').description('registered models: owner, use case, risk tier');
  model
    .command('create')
    .description('register a model')
    .argument('<name>', 'model name')
    .requiredOption('--owner <owner>', 'accountable owner')
    .requiredOption('--use-case <useCase>', 'use case (e.g. triage, credit)')
    .requiredOption('--tier <tier>', 'risk tier from the policy pack (low, medium, high)')
    .option('--description <text>', 'what it does', 'no description')
    .action(
      run(program, async (g, name: string, o: { owner: string; useCase: string; tier: string; description: string }) => {
        const m = await connect(g).registry.createModel({ name, owner: o.owner, useCase: o.useCase, riskTier: o.tier, description: o.description });
        emit(g, m, () => `${m.name}  ${m.riskTier} risk, use case ${m.useCase}, owned by ${m.owner} (ledger #${m.ledgerIndex})`);
      }),
    );
  model
    .command('show')
    .description('a model and its versions')
    .argument('<name>', 'model name')
    .action(
      run(program, async (g, name: string) => {
        const r = await connect(g).registry.model(name);
        emit(g, r, () => [`${r.model.name}  ${r.model.riskTier} risk, ${r.model.useCase}, owner ${r.model.owner}`, ...r.versions.map((v) => `  ${v.id}  ${v.version.padEnd(10)} ${v.state}`)].join('\n'));
      }),
    );

  const version = program.command('version').description('model versions: register, validate, submit for review, suspend, retire');
  version
    .command('create')
    .description('register a version (draft) of a model')
    .argument('<model>', 'model name')
    .argument('<version>', 'version number, e.g. 1.2.0')
    .requiredOption('--artifact <name=digest>', 'artifact and its sha256:… digest (repeatable)', collect)
    .option('--run <runId>', 'the training run that produced it (its lineage comes along)')
    .requiredOption('--card <file>', 'model card (Markdown)')
    .action(
      run(program, async (g, modelName: string, v: string, o: { artifact: string[]; run?: string; card: string }) => {
        const artifacts = o.artifact.map((a) => {
          const eq = a.indexOf('=');
          if (eq <= 0) throw new CliError(EXIT.usage, `--artifact expects name=sha256:…, got ${a}`, 'invalid_argument');
          return { name: a.slice(0, eq), digest: a.slice(eq + 1) };
        });
        const r = await connect(g).registry.createVersion(modelName, { version: v, artifacts, modelCard: Buffer.from(readFileBytes(o.card)).toString('utf8'), ...(o.run ? { runId: o.run } : {}) });
        emit(g, r, () => `${r.id}  ${r.model}@${r.version}  ${r.state}`);
      }),
    );
  version
    .command('show')
    .description('a version with its evidence, approvals and what is still pending')
    .argument('<id>', 'version id (mv_…)')
    .action(run(program, async (g, id: string) => { const d = await connect(g).registry.version(id); emit(g, d, () => describeVersion(d)); }));
  version
    .command('validate')
    .description("draft → validated, if the risk tier's evidence requirements hold (exit 4 and every failure otherwise)")
    .argument('<id>', 'version id')
    .action(run(program, async (g, id: string) => { const r = await connect(g).registry.validate(id); emit(g, r, () => `${id} validated\n  ${r.decision.reasons.join('\n  ')}`); }));
  version
    .command('submit')
    .description('ask the reviewers to approve the version for use cases and zones')
    .argument('<id>', 'version id')
    .requiredOption('--use-case <cases>', 'comma-separated use cases', parseList)
    .requiredOption('--zone <zones>', 'comma-separated zones', parseList)
    .action(run(program, async (g, id: string, o: { useCase: string[]; zone: string[] }) => { const d = await connect(g).registry.submit(id, o.useCase, o.zone); emit(g, d, () => describeVersion(d)); }));
  for (const action of ['suspend', 'retire'] as const) {
    version
      .command(action)
      .description(`${action} a version`)
      .argument('<id>', 'version id')
      .requiredOption('--reason <text>', 'why')
      .action(run(program, async (g, id: string, o: { reason: string }) => { const v = await connect(g).registry.transition(id, action, o.reason); emit(g, v, () => `${v.id} is ${v.state}`); }));
  }
  version
    .command('waiver')
    .description('request a waiver for a failed rule (e.g. metric.evaluation.auc)')
    .argument('<id>', 'version id')
    .requiredOption('--rule <rule>', 'the rule id from the validation decision')
    .requiredOption('--reason <text>', 'why the exception is acceptable')
    .option('--days <n>', 'how long it holds (≤ 90)', parseIndex, 30)
    .action(run(program, async (g, id: string, o: { rule: string; reason: string; days: number }) => { const w = await connect(g).registry.requestWaiver(id, o.rule, o.reason, o.days); emit(g, w, () => `${w.id} ${w.state}`); }));

  const waiver = program.command('waiver').description('decide waivers (model-risk or compliance reviewers, never the requester)');
  for (const action of ['approve', 'reject'] as const) {
    waiver
      .command(action)
      .argument('<id>', 'waiver id (wvr_…)')
      .requiredOption('--reason <text>', 'why')
      .action(run(program, async (g, id: string, o: { reason: string }) => { const w = await connect(g).registry.decideWaiver(id, action === 'approve', o.reason); emit(g, w, () => `${w.id} ${w.state}`); }));
  }

  const evidence = program.command('evidence').description('evidence documents attached to versions');
  evidence
    .command('add')
    .description('attach a document (stored by SHA-256; after an approval it sends the version back to review)')
    .argument('<id>', 'version id')
    .requiredOption('--kind <kind>', 'evaluation, fairness, red_team, security_review, rollback_plan, monitoring_plan, document…')
    .requiredOption('--file <file>', 'the document')
    .option('--title <title>', 'title (default: the file name)')
    .option('--media-type <type>', 'media type', 'application/octet-stream')
    .option('--metric <name=value>', 'a metric this evidence reports (repeatable)', collect)
    .action(
      run(program, async (g, id: string, o: { kind: string; file: string; title?: string; mediaType: string; metric?: string[] }) => {
        const metrics: Record<string, number> = {};
        for (const m of o.metric ?? []) {
          const [k, v] = m.split('=');
          if (!k || v === undefined || !Number.isFinite(Number(v))) throw new CliError(EXIT.usage, `--metric expects name=number, got ${m}`, 'invalid_argument');
          metrics[k] = Number(v);
        }
        const d = await connect(g).registry.addEvidence(id, { kind: o.kind, title: o.title ?? o.file.split('/').pop()!, mediaType: o.mediaType, content: readFileBytes(o.file), ...(o.metric ? { metrics } : {}) });
        emit(g, d, () => describeVersion(d));
      }),
    );

  const review = program.command('review').description('the reviewer inbox: approve or reject with a reason');
  review
    .command('list')
    .description('versions waiting for a reviewer role')
    .requiredOption('--role <role>', 'reviewer:business, reviewer:security, reviewer:compliance or reviewer:model-risk')
    .action(run(program, async (g, o: { role: string }) => { const list = await connect(g).registry.reviews(o.role); emit(g, { reviews: list }, () => (list.length ? list.map(describeVersion).join('\n\n') : '(nothing waiting)')); }));
  review
    .command('approve')
    .description('approve a version as one reviewer role (the evidence set reviewed is named automatically, or give --evidence-set)')
    .argument('<id>', 'version id')
    .requiredOption('--role <role>', 'the reviewer role you approve as')
    .requiredOption('--reason <text>', 'why')
    .option('--evidence-set <digest>', 'the evidence set you reviewed (default: the current one, shown by `version show`)')
    .action(
      run(program, async (g, id: string, o: { role: string; reason: string; evidenceSet?: string }) => {
        const client = connect(g).registry;
        const evidenceSet = o.evidenceSet ?? (await client.version(id)).evidenceSet;
        const r = await client.approve(id, o.role, evidenceSet, o.reason);
        emit(g, r, () => describeVersion(r.version));
      }),
    );
  review
    .command('reject')
    .argument('<id>', 'version id')
    .requiredOption('--reason <text>', 'why')
    .action(run(program, async (g, id: string, o: { reason: string }) => { const v = await connect(g).registry.transition(id, 'reject', o.reason); emit(g, v, () => `${v.id} is ${v.state}`); }));

  program
    .command('deploy')
    .description('deploy an approved version to a zone/environment: refused, with the reasons, unless policy allows')
    .argument('<versionId>', 'version id (mv_…)')
    .requiredOption('--zone <zone>', 'target zone, e.g. hipaa-ai')
    .option('--env <environment>', 'environment', 'prod')
    .requiredOption('--reason <text>', 'why (change ticket)')
    .action(run(program, async (g, versionId: string, o: { zone: string; env: string; reason: string }) => { const r = await connect(g).registry.deploy(versionId, o.zone, o.env, o.reason); emit(g, r, () => JSON.stringify(r, null, 2)); }));
  program
    .command('rollback')
    .description('restore the previous approved version of a model in a zone/environment, in one call')
    .argument('<model>', 'model name')
    .requiredOption('--zone <zone>', 'zone')
    .option('--env <environment>', 'environment', 'prod')
    .requiredOption('--reason <text>', 'why (incident)')
    .action(run(program, async (g, modelName: string, o: { zone: string; env: string; reason: string }) => { const r = await connect(g).registry.rollback(modelName, o.zone, o.env, o.reason); emit(g, r, () => JSON.stringify(r, null, 2)); }));
  program
    .command('deployments')
    .description('which model versions are (or were, with --at) active in a zone')
    .option('--zone <zone>', 'zone')
    .option('--env <environment>', 'environment')
    .option('--model <model>', 'model')
    .option('--at <time>', 'RFC 3339 time in the past (default: now)')
    .action(run(program, async (g, o: { zone?: string; env?: string; model?: string; at?: string }) => { const r = await connect(g).registry.deployments({ zone: o.zone, environment: o.env, model: o.model, at: o.at }); emit(g, r, () => JSON.stringify(r, null, 2)); }));
}
