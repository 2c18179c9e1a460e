import fs from 'node:fs';
import type { Command } from 'commander';
import type { DatasetRegistration, Trace } from '@cairn/sdk';
import { manifestDigest, parseVerifierKey, verifyEnvelope } from '@cairn/verify';
import { run } from '../action.js';
import { connect } from '../connection.js';
import { CliError, EXIT } from '../exit-codes.js';
import { manifestFromDirectory, manifestFromList, type BuiltManifest } from '../manifest-builder.js';
import { emit } from '../output.js';
import { progressBar } from '../progress.js';
import { parseIndex, parseList } from '../parse.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const TRACE_KINDS = ['dataset', 'run', 'artifact', 'model-version', 'deployment'] as const;

/** `key=value` pairs; values that read as JSON (numbers, booleans) are parsed. */
function pairs(items: string[] | undefined, numeric = false): Record<string, unknown> | undefined {
  if (!items) return undefined;
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(EXIT.usage, `expected key=value, got "${item}"`, 'invalid_argument');
    const raw = item.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain text
    }
    if (numeric && typeof value !== 'number') throw new CliError(EXIT.usage, `metric ${item.slice(0, eq)} must be a number`, 'invalid_argument');
    out[item.slice(0, eq)] = value;
  }
  return out;
}

/** Builds and checks a manifest from --dir, --list or --manifest; every problem names its line. */
async function buildManifest(o: { dir?: string; list?: string; manifest?: string }, progress: boolean): Promise<BuiltManifest> {
  const sources = [o.dir, o.list, o.manifest].filter(Boolean).length;
  if (sources !== 1) throw new CliError(EXIT.usage, 'give exactly one of --dir DIR, --list FILE or --manifest FILE', 'invalid_argument');
  let built: BuiltManifest;
  let lines: number[] | undefined;
  let origin: string;
  if (o.dir) {
    built = await manifestFromDirectory(o.dir, progress);
    origin = o.dir;
  } else if (o.list) {
    const fromList = await manifestFromList(o.list, progress);
    built = fromList;
    lines = fromList.lines;
    origin = o.list;
  } else {
    origin = o.manifest!;
    try {
      const parsed = JSON.parse(fs.readFileSync(o.manifest!, 'utf8')) as { objects?: BuiltManifest['objects'] };
      if (!Array.isArray(parsed.objects)) throw new Error('no "objects" array');
      built = { objects: parsed.objects, totalBytes: parsed.objects.reduce((n, x) => n + (typeof x.size === 'number' ? x.size : 0), 0) };
    } catch (err) {
      throw new CliError(EXIT.usage, `${o.manifest} is not a manifest: ${(err as Error).message}`, 'manifest_invalid');
    }
  }
  const { manifestIssues } = await import('@cairn/server/manifest');
  const issues = manifestIssues(built.objects);
  if (issues.length > 0) {
    const where = (line: number) => (lines ? `${origin}:${lines[line - 1] ?? line}` : `${origin}: object ${line}`);
    throw new CliError(EXIT.usage, issues.map((i) => `${where(i.line)}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'), 'manifest_invalid', { issues });
  }
  return built;
}

function printTrace(t: Trace): string {
  const byKey = new Map(t.nodes.map((n) => [n.key, n]));
  const label = (key: string) => {
    const n = byKey.get(key);
    return n ? `${n.kind} ${n.label}  (${key.slice(n.kind.length + 1)}, ledger #${n.ledgerIndex})` : key;
  };
  const lines = [label(t.root)];
  const tree = (key: string, direction: 'upstream' | 'downstream', prefix: string, seen: Set<string>) => {
    const next = t.edges.filter((e) => (direction === 'upstream' ? e.to === key : e.from === key)).map((e) => ({ key: direction === 'upstream' ? e.from : e.to, relation: e.relation }));
    next.forEach((n, i) => {
      const last = i === next.length - 1;
      lines.push(`${prefix}${last ? '└─' : '├─'} ${direction === 'upstream' ? '◀' : '▶'} ${n.relation}: ${label(n.key)}`);
      if (!seen.has(n.key)) tree(n.key, direction, prefix + (last ? '   ' : '│  '), new Set([...seen, n.key]));
    });
  };
  lines.push('upstream (where it came from):');
  tree(t.root, 'upstream', '  ', new Set([t.root]));
  lines.push('downstream (what it fed):');
  tree(t.root, 'downstream', '  ', new Set([t.root]));
  if (t.truncated) lines.push('(depth limit reached: use --depth for more)');
  return lines.join('\n');
}

export function lineageCommands(program: Command): void {
  const dataset = program.command('dataset').description('dataset versions: manifests, registration, certification');

  dataset
    .command('manifest')
    .description('build a manifest (path, size, SHA-256 of every object) from a folder or a list file, streaming, with a progress bar')
    .option('--dir <dir>', 'hash every file under this folder')
    .option('--list <file>', 'one object per line: a local path to hash, or "<sha256> <size> <path-or-uri>"')
    .option('-o, --output <file>', 'write the manifest JSON here (default: stdout)')
    .argument('[dir]', 'same as --dir')
    .action(
      run(program, async (g, dirArg: string | undefined, o: { dir?: string; list?: string; output?: string }) => {
        const built = await buildManifest({ dir: o.dir ?? dirArg, list: o.list }, !g.json);
        const digest = manifestDigest(built.objects);
        const manifest = { digest, objects: built.objects };
        if (o.output) fs.writeFileSync(o.output, `${JSON.stringify(manifest, null, 2)}\n`);
        if (o.output || g.json || g.field) emit(g, { digest, objects: built.objects.length, totalBytes: built.totalBytes, ...(o.output ? { file: o.output } : { manifest }) }, () => `${digest}  ${built.objects.length} objects, ${built.totalBytes} bytes → ${o.output}`);
        else process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
      }),
    );

  dataset
    .command('register')
    .description('register a dataset version (in quarantine) from a manifest, a folder or a list file')
    .requiredOption('--name <name>', 'dataset name, e.g. ehr-admissions')
    .requiredOption('--class <classes>', 'data classes, comma-separated (from the policy pack)', parseList)
    .option('--dir <dir>', 'hash every file under this folder')
    .option('--list <file>', 'list file (see `dataset manifest --help`)')
    .option('--manifest <file>', 'a manifest JSON written by `dataset manifest -o`')
    .option('--owner <owner>', 'accountable owner')
    .option('--source <system>', 'source system')
    .option('--legal-basis <text>', 'legal basis (required for personal data classes)')
    .option('--consent <status>', 'consent status')
    .option('--retention <class>', 'retention class')
    .option('--tag <tag>', 'free tag (repeatable)', collect)
    .option('--derived-from <digest>', 'input dataset version (repeatable)', collect)
    .option('--repo <url>', 'transform code repository (derived versions)')
    .option('--commit <sha>', 'transform code commit (derived versions)')
    .option('--param <key=value>', 'transform parameter (repeatable)', collect)
    .option('--exclusions <file>', 'JSON array of exclusions: { records, reason, by?, manualOverride? }')
    .action(
      run(program, async (g, o: { name: string; class: string[]; dir?: string; list?: string; manifest?: string; owner?: string; source?: string; legalBasis?: string; consent?: string; retention?: string; tag?: string[]; derivedFrom?: string[]; repo?: string; commit?: string; param?: string[]; exclusions?: string }) => {
        const built = await buildManifest(o, !g.json);
        if (o.derivedFrom && (!o.repo || !o.commit)) throw new CliError(EXIT.usage, 'a derived version needs --repo and --commit of its transform', 'invalid_argument');
        const registration: DatasetRegistration = {
          name: o.name,
          objects: built.objects,
          dataClasses: o.class,
          ...(o.owner ? { owner: o.owner } : {}),
          ...(o.source ? { sourceSystem: o.source } : {}),
          ...(o.legalBasis ? { legalBasis: o.legalBasis } : {}),
          ...(o.consent ? { consentStatus: o.consent } : {}),
          ...(o.retention ? { retentionClass: o.retention } : {}),
          ...(o.tag ? { tags: o.tag } : {}),
          ...(o.derivedFrom
            ? {
                derivedFrom: {
                  inputs: o.derivedFrom,
                  transform: { repository: o.repo!, commit: o.commit!, ...(o.param ? { parameters: pairs(o.param)! } : {}) },
                  ...(o.exclusions ? { exclusions: JSON.parse(fs.readFileSync(o.exclusions, 'utf8')) } : {}),
                },
              }
            : {}),
        };
        // Large manifests are streamed by the SDK (STREAM_THRESHOLD); the bar shows the upload.
        const bar = progressBar('uploading', !g.json, 'objects');
        let ds;
        try {
          ds = await connect(g).lineage.registerDataset(registration, { onProgress: (sent, total) => bar.update(sent, total) });
        } finally {
          bar.stop();
        }
        emit(g, ds, () => `${ds.digest}  ${ds.name}  ${ds.state}  classes=${ds.dataClasses.join(',')}  ${ds.objectCount} objects (ledger #${ds.ledgerIndex})`);
      }),
    );

  dataset
    .command('show')
    .description('one dataset version')
    .argument('<digest>', 'sha256:…')
    .action(run(program, async (g, digest: string) => { const ds = await connect(g).lineage.dataset(digest); emit(g, ds, () => JSON.stringify(ds, null, 2)); }));

  dataset
    .command('list')
    .description('dataset versions, newest first')
    .option('--name <name>', 'only this dataset')
    .option('--state <state>', 'quarantine, certified or deprecated')
    .action(
      run(program, async (g, o: { name?: string; state?: 'quarantine' | 'certified' | 'deprecated' }) => {
        const list = await connect(g).lineage.datasets(o);
        emit(g, { datasets: list }, () => (list.length ? list.map((d) => `${d.digest}  ${d.name.padEnd(24)} ${d.state.padEnd(10)} ${d.dataClasses.join(',')}`).join('\n') : '(none)'));
      }),
    );

  for (const action of ['certify', 'deprecate'] as const) {
    dataset
      .command(action)
      .description(action === 'certify' ? 'quarantine → certified (steward), after the policy check; every failed rule is listed' : 'mark a version deprecated')
      .argument('<digest>', 'sha256:…')
      .requiredOption('--reason <text>', 'why')
      .action(
        run(program, async (g, digest: string, o: { reason: string }) => {
          const client = connect(g).lineage;
          const result = action === 'certify' ? await client.certify(digest, o.reason) : { dataset: await client.deprecate(digest, o.reason) };
          emit(g, result, () => `${result.dataset.digest} is ${result.dataset.state}`);
        }),
      );
  }

  dataset
    .command('declassify')
    .description('remove inherited data classes from a derived version in quarantine (steward), with a reason')
    .argument('<digest>', 'sha256:…')
    .requiredOption('--class <classes>', 'classes to remove, comma-separated', parseList)
    .requiredOption('--reason <text>', 'why (e.g. the de-identification report)')
    .action(
      run(program, async (g, digest: string, o: { class: string[]; reason: string }) => {
        const ds = await connect(g).lineage.declassify(digest, o.class, o.reason);
        emit(g, ds, () =>
          ds.pendingDeclassification
            ? `${ds.digest}: removing ${ds.pendingDeclassification.classes.join(', ')} takes a second steward (cairn dataset approve-declassification ${ds.digest}); classes still ${ds.dataClasses.join(', ')}`
            : `${ds.digest}: classes now ${ds.dataClasses.join(', ') || '(none)'}`,
        );
      }),
    );

  dataset
    .command('approve-declassification')
    .description("approve another steward's declassification of a two-person class (not yours, not on a dataset you registered)")
    .argument('<digest>', 'sha256:…')
    .requiredOption('--reason <text>', 'why (e.g. the de-identification report checked)')
    .action(
      run(program, async (g, digest: string, o: { reason: string }) => {
        const r = await connect(g).lineage.approveDeclassification(digest, o.reason);
        emit(g, r, () => `${r.dataset.digest}: classes now ${r.dataset.dataClasses.join(', ') || '(none)'}`);
      }),
    );

  const runCmd = program.command('run').description('training runs and their signed lineage bundles');
  runCmd
    .command('start')
    .description('start a run: inputs are checked against policy (certified data only, unless the policy allows otherwise)')
    .requiredOption('--name <name>', 'run name')
    .requiredOption('--zone <zone>', 'the zone the run trains in (its inputs’ data classes must be allowed there)')
    .option('--input <digest>', 'input dataset version (repeatable)', collect)
    .option('--repo <url>', 'code repository: a URI (git+https://…) or git’s user@host:path')
    .option('--commit <sha>', 'the full code commit id (40 or 64 hex digits)')
    .option('--image <digest>', 'container image digest (sha256:…)')
    .option('--image-name <ref>', 'container image reference (registry/repository[:tag])')
    .option('--lockfile-sha256 <hex>', 'SHA-256 of the dependency lock file')
    .option('--accelerator <model>', 'accelerator model')
    .option('--driver <version>', 'accelerator driver version')
    .option('--cuda <version>', 'CUDA version')
    .option('--param <key=value>', 'hyper-parameter (repeatable)', collect)
    .option('--evaluator <id>', 'evaluator identity')
    .action(
      run(program, async (g, o: { name: string; zone: string; input?: string[]; repo?: string; commit?: string; image?: string; imageName?: string; lockfileSha256?: string; accelerator?: string; driver?: string; cuda?: string; param?: string[]; evaluator?: string }) => {
        const environment = { ...(o.accelerator ? { accelerator: o.accelerator } : {}), ...(o.driver ? { driverVersion: o.driver } : {}), ...(o.cuda ? { cudaVersion: o.cuda } : {}), ...(o.lockfileSha256 ? { lockfileSha256: o.lockfileSha256 } : {}) };
        const r = await connect(g).lineage.startRun({
          name: o.name,
          inputs: o.input ?? [],
          zone: o.zone,
          ...(o.repo && o.commit ? { code: { repository: o.repo, commit: o.commit } } : {}),
          ...(o.image ? { image: { digest: o.image, ...(o.imageName ? { name: o.imageName } : {}) } } : {}),
          ...(Object.keys(environment).length ? { environment } : {}),
          ...(o.param ? { parameters: pairs(o.param)! } : {}),
          ...(o.evaluator ? { evaluator: o.evaluator } : {}),
        });
        emit(g, r, () => `${r.run.id}  ${r.run.name}  running (ledger #${r.run.ledgerIndex})`);
      }),
    );
  runCmd
    .command('complete')
    .description('complete a run with its outputs and metrics; Cairn signs its lineage bundle')
    .argument('<id>', 'run id')
    .option('--output <name=digest>', 'output artifact (repeatable)', collect)
    .option('--metric <name=value>', 'metric (repeatable)', collect)
    .option('--evaluator <id>', 'evaluator identity')
    .option('--failed', 'the run failed')
    .action(
      run(program, async (g, id: string, o: { output?: string[]; metric?: string[]; evaluator?: string; failed?: boolean }) => {
        const outputs = Object.entries(pairs(o.output) ?? {}).map(([name, digest]) => ({ name, digest: String(digest) }));
        const r = await connect(g).lineage.completeRun(id, { outputs, status: o.failed ? 'failed' : 'completed', ...(o.metric ? { metrics: pairs(o.metric, true) as Record<string, number> } : {}), ...(o.evaluator ? { evaluator: o.evaluator } : {}) });
        emit(g, r, () => `${r.id} ${r.state}; lineage ${r.lineageComplete ? 'complete' : `INCOMPLETE (missing: ${r.missing.join(', ')})`}`);
      }),
    );
  runCmd
    .command('show')
    .description('one run')
    .argument('<id>', 'run id')
    .action(run(program, async (g, id: string) => { const r = await connect(g).lineage.run(id); emit(g, r, () => JSON.stringify(r, null, 2)); }));
  runCmd
    .command('provenance')
    .description("the run's lineage bundle (DSSE, in-toto Statement v1, SLSA Provenance v1), verified with the log key")
    .argument('<id>', 'run id')
    .action(
      run(program, async (g, id: string) => {
        const client = connect(g);
        const envelope = await client.lineage.provenance(id);
        const { verifierKey } = await client.key();
        let statement: unknown;
        try {
          statement = JSON.parse(Buffer.from(verifyEnvelope(envelope, parseVerifierKey(g.key ?? verifierKey))).toString('utf8'));
        } catch (err) {
          throw new CliError(EXIT.verificationFailed, `the bundle does not verify: ${(err as Error).message}`, 'signature_invalid');
        }
        emit(g, { envelope, statement, verified: true }, () => `${JSON.stringify(statement, null, 2)}\n(DSSE signature verified with ${g.key ?? verifierKey})`);
      }),
    );

  program
    .command('trace')
    .description('lineage of a dataset version, run or artifact: upstream to raw data, downstream to every consumer')
    .argument('<kind>', 'dataset, run, artifact, model-version or deployment')
    .argument('<id>', 'digest (sha256:…), run id, version id or deployment id')
    .option('--depth <n>', 'levels to walk in each direction (default 25)', parseIndex)
    .action(
      run(program, async (g, kind: string, id: string, o: { depth?: number }) => {
        if (!TRACE_KINDS.includes(kind as (typeof TRACE_KINDS)[number])) throw new CliError(EXIT.usage, `kind must be one of ${TRACE_KINDS.join(', ')}, not ${kind}`, 'invalid_argument');
        const t = await connect(g).lineage.trace(kind as (typeof TRACE_KINDS)[number], id, o.depth);
        emit(g, t, () => printTrace(t));
      }),
    );

  program
    .command('kpis')
    .description('audit readiness: runs with a complete lineage bundle, datasets certified before use, tokens that never expire')
    .action(
      run(program, async (g) => {
        const kpis = await connect(g).lineage.kpis();
        emit(g, kpis, () => Object.entries({ ...kpis.lineage, ...kpis.identity }).map(([k, v]) => `${k.padEnd(28)} ${v ?? '-'}`).join('\n'));
      }),
    );
}
