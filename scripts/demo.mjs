#!/usr/bin/env node
// `npm run demo`: a hospital's readmission-risk model, trained on ePHI, played end to end through
// Cairn's public HTTP API with the SDK — ingestion, certification, derivation, training, review,
// deployment, rollback — then exported by an auditor and verified offline with @cairn/verify.
// Run `node scripts/demo.mjs --help` for the options.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CairnApiError, CairnClient } from '@cairn/sdk';
import { parseVerifierKey, verifyEnvelope, verifyPackage } from '@cairn/verify';
import { makeCa, makeCert } from './tls-certificates.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI_BIN = path.join(ROOT, 'packages/cli/dist/src/bin.js');

const HELP = `Usage: npm run demo [-- --keep] [-- --tls]      (or: node scripts/demo.mjs [--keep] [--tls])

Plays a hospital's readmission-risk model, trained on ePHI, through Cairn end to end: a raw EHR
extract in quarantine, its certification, a derived training set with exclusions, a training run
with its signed lineage bundle, a high-risk model with its evidence, a refused self-approval, three
reviewers, a refused placement in standard-ai, a deployment to hipaa-ai, a second version and a
one-call rollback, an auditor's compliance package, and its offline verification.

Without CAIRN_URL it starts its own server (a temporary data directory, a free port on
127.0.0.1, the shipped example policy pack) and stops it at the end. With CAIRN_URL it uses that
server, whose active policy pack must be the example pack (it needs the tier "high" and the zones
hipaa-ai and standard-ai); the admin token comes from CAIRN_TOKEN or CAIRN_TOKEN_FILE:

  npm start                                   # in one terminal: http://127.0.0.1:8080, data in ./.cairn
  CAIRN_URL=http://127.0.0.1:8080 CAIRN_TOKEN=$(cat .cairn/admin-token) npm run demo

For a server on https with a private CA, set CAIRN_CA_FILE to the CA's PEM file.

Names carry a per-run suffix, so the demo can be run again against the same server.

Options:
  --keep    keep the temporary directory (generated data, evidence, the package, and the own
            server's data directory) and print where it is
  --tls     the whole story over HTTPS: the own server gets a certificate from a CA made for
            this run (openssl), and every client trusts only that CA
  --help    this text

Exit code 0 when the package verifies, 1 otherwise.`;

// ---------------------------------------------------------------------------------------------
// Output: a numbered title per step, then a few indented facts. Colour only on a terminal.
// ---------------------------------------------------------------------------------------------
const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (useColour ? `\x1b[${code}m${s}\x1b[0m` : String(s));
const bold = paint('1');
const dim = paint('2');
const red = paint('31');
const green = paint('32');
const cyan = paint('36');

let current = { n: 0, title: 'setting up' };
function step(n, title) {
  current = { n, title };
  console.log(`\n${bold(`${String(n).padStart(2)}. ${title}`)}`);
}
const fact = (text) => console.log(`    ${text}`);
const short = (digest) => dim(`${digest.slice(0, digest.indexOf(':') + 13)}…`);
const idx = (n) => cyan(`#${n}`);

// ---------------------------------------------------------------------------------------------
// Resources: the temporary directory and, in own-server mode, the server process.
// ---------------------------------------------------------------------------------------------
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const unknown = args.filter((a) => a !== '--keep' && a !== '--tls');
if (unknown.length > 0) {
  console.error(`demo: unknown option ${unknown[0]} (see --help)`);
  process.exit(2);
}
const keep = args.includes('--keep');
const useTls = args.includes('--tls');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-demo-'));
let server; // own-server mode: { child, stderr(), url, verifierKey, adminToken }

async function stopServer() {
  const child = server?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM'); // graceful: pending appends finish, a last checkpoint is signed
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

let cleaning;
function cleanup() {
  cleaning ??= stopServer().finally(() => {
    if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
  });
  return cleaning;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\ndemo: ${signal}, stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** `cairn serve` on a free loopback port with a fresh data directory; resolves once it listens. */
async function startServer() {
  const data = path.join(tmp, 'server-data');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAIRN_'))); // a clean server: no inherited store, key or pack
  const tlsArgs = [];
  let ca;
  if (useTls) {
    const dir = path.join(tmp, 'tls');
    ca = makeCa(dir, 'demo-hospital-ca');
    const cert = makeCert(dir, ca, { name: 'cairn', dns: ['localhost'], ips: ['127.0.0.1'] });
    tlsArgs.push('--tls-cert', cert.cert, '--tls-key', cert.key);
  }
  const child = spawn(process.execPath, [CLI_BIN, 'serve', '--data', data, '--listen', '127.0.0.1:0', '--log-level', 'warn', '--checkpoint-interval', '500ms', ...tlsArgs], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  server = { child, env, stderr: () => stderr };
  const banner = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cairn serve did not listen within 30 s:\n${stderr}`)), 30_000);
    child.stderr.on('data', () => {
      // The start-up notice is a JSON log line: { msg: 'Cairn listening on URL', url, logKey, … }.
      const banner = stderr.split('\n').flatMap((line) => {
        try {
          return line.startsWith('{') ? [JSON.parse(line)] : [];
        } catch {
          return []; // a partial line
        }
      }).find((l) => l.msg?.startsWith('Cairn listening on ') && l.url && l.logKey);
      if (banner) {
        clearTimeout(timer);
        resolve({ url: banner.url, key: banner.logKey });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`cairn serve exited (code ${code}, signal ${signal}) before listening:\n${stderr}`));
    });
  });
  // The installation ceremony's second founder: with the first (admin), two persons vouch for every other.
  const ops = spawnSync(process.execPath, [CLI_BIN, 'token', 'bootstrap', '--data', data, '--principal', 'ops', '--reason', 'second founder for the demo', '--field', 'token'], { encoding: 'utf8', env: server.env });
  if (ops.status !== 0) throw new Error(`cairn token bootstrap failed:\n${ops.stderr}`);
  return Object.assign(server, { url: banner.url, verifierKey: banner.key, adminToken: fs.readFileSync(path.join(data, 'admin-token'), 'utf8').trim(), opsToken: ops.stdout.trim(), caFile: ca?.cert });
}

// ---------------------------------------------------------------------------------------------
// Synthetic data: an EHR extract (a few CSV files) and the de-identified training set derived
// from it. Only manifests (path, size, SHA-256) ever reach Cairn.
// ---------------------------------------------------------------------------------------------
const rand = (n) => crypto.randomInt(n);
const pick = (xs) => xs[rand(xs.length)];
const sha256Hex = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

function writeCsv(file, header, rows) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
}

/** The manifest of every file under `dir`: sorted relative paths, sizes and SHA-256 digests. */
function manifestOf(dir) {
  const objects = fs
    .readdirSync(dir, { recursive: true })
    .map((rel) => rel.split(path.sep).join('/'))
    .filter((rel) => fs.statSync(path.join(dir, rel)).isFile())
    .sort()
    .map((rel) => {
      const bytes = fs.readFileSync(path.join(dir, rel));
      return { path: rel, size: bytes.length, sha256: sha256Hex(bytes) };
    });
  return { objects, bytes: objects.reduce((n, o) => n + o.size, 0) };
}

function generateExtract(dir) {
  const patients = Array.from({ length: 400 }, (_, i) => ({ mrn: `MRN${String(100000 + i)}`, optedOut: rand(100) < 5, age: 30 + rand(60), sex: pick(['F', 'M']) }));
  const encounters = [];
  for (const p of patients) {
    for (let k = 0; k < 1 + rand(4); k += 1) {
      const admitted = new Date(Date.UTC(2025, rand(12), 1 + rand(28)));
      const discharged = new Date(admitted.getTime() + (1 + rand(12)) * 86_400_000);
      encounters.push({ id: `ENC${String(encounters.length + 1).padStart(6, '0')}`, p, admitted, discharged, disposition: rand(100) < 3 ? 'AMA' : pick(['home', 'home', 'home', 'SNF', 'home-health']), readmitted: rand(100) < 14 ? 1 : 0 });
    }
  }
  const day = (d) => d.toISOString().slice(0, 10);
  writeCsv(path.join(dir, 'patients.csv'), ['mrn', 'name', 'zip', 'birth_year', 'sex', 'research_opt_out'], patients.map((p) => [p.mrn, `Patient ${p.mrn.slice(3)}`, `021${rand(90) + 10}`, 2025 - p.age, p.sex, p.optedOut ? 'Y' : 'N']));
  writeCsv(path.join(dir, 'encounters.csv'), ['encounter_id', 'mrn', 'admitted', 'discharged', 'disposition'], encounters.map((e) => [e.id, e.p.mrn, day(e.admitted), day(e.discharged), e.disposition]));
  writeCsv(path.join(dir, 'diagnoses.csv'), ['encounter_id', 'icd10'], encounters.flatMap((e) => Array.from({ length: 1 + rand(3) }, () => [e.id, pick(['I50.9', 'J44.1', 'E11.9', 'N18.3', 'I10', 'J18.9'])])));
  writeCsv(path.join(dir, 'labs.csv'), ['encounter_id', 'loinc', 'value'], encounters.flatMap((e) => [[e.id, '2160-0', (0.6 + rand(30) / 10).toFixed(1)], [e.id, '718-7', (8 + rand(80) / 10).toFixed(1)]]));
  return { patients, encounters };
}

/** Drops direct identifiers, shifts dates, excludes opted-out patients and AMA discharges. */
function deriveTrainingSet(dir, { encounters }) {
  const optedOut = encounters.filter((e) => e.p.optedOut);
  const ama = encounters.filter((e) => !e.p.optedOut && e.disposition === 'AMA');
  const kept = encounters.filter((e) => !e.p.optedOut && e.disposition !== 'AMA');
  const shift = (d) => new Date(d.getTime() + (rand(61) - 30) * 86_400_000).toISOString().slice(0, 10);
  writeCsv(path.join(dir, 'features.csv'), ['row', 'age_band', 'sex', 'admitted_shifted', 'length_of_stay', 'disposition'], kept.map((e, i) => [i, `${Math.floor(e.p.age / 10) * 10}s`, e.p.sex, shift(e.admitted), Math.round((e.discharged - e.admitted) / 86_400_000), e.disposition]));
  writeCsv(path.join(dir, 'labels.csv'), ['row', 'readmitted_30d'], kept.map((e, i) => [i, e.readmitted]));
  return { kept: kept.length, optedOut: { encounters: optedOut.length, patients: new Set(optedOut.map((e) => e.p.mrn)).size }, ama: ama.length };
}

function writeEvidence(dir, name, content) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), content);
  return Buffer.from(content);
}

// ---------------------------------------------------------------------------------------------
// The factory.
// ---------------------------------------------------------------------------------------------
const PERSONAS = {
  dana: { roles: ['engineer'], as: 'data engineer' },
  sam: { roles: ['steward'], as: 'data steward' },
  // Erin also sits on the model-risk committee: holding a reviewer role does not let her approve her own work.
  erin: { roles: ['engineer', 'reviewer:model-risk'], as: 'ML engineer, the author' },
  bea: { roles: ['reviewer:business'], as: 'clinical lead' },
  mo: { roles: ['reviewer:model-risk'], as: 'model-risk validator' },
  cara: { roles: ['reviewer:compliance'], as: 'HIPAA compliance officer' },
  olga: { roles: ['operator'], as: 'platform operator' },
  ava: { roles: ['auditor'], as: 'internal auditor' },
};
const REVIEWS = [
  ['bea', 'reviewer:business', 'clinically sound; discharge planners keep the final say'],
  ['mo', 'reviewer:model-risk', 'SR 11-7 validation passed: AUC and calibration within tolerance'],
  ['cara', 'reviewer:compliance', 'HIPAA minimum-necessary and opt-outs honoured; hipaa-ai only'],
];

/** Expects the call to be refused; returns the error (a demo that is not refused fails). */
async function refused(call) {
  try {
    await call();
  } catch (err) {
    if (err instanceof CairnApiError) return err;
    throw err;
  }
  throw new Error('the call was expected to be refused, and it was allowed');
}

const deniedReasons = (err) => (err.details?.decision?.rules ?? []).filter((r) => r.effect === 'deny').map((r) => `${r.rule}: ${r.reason}`);

/** The six documents the "high" tier of the example pack requires, attached to a version. */
async function attachEvidence(client, folder, versionId, { auc, parity, impact }) {
  const fairness = { demographic_parity_difference: parity, disparate_impact_ratio: impact };
  const docs = [
    ['evaluation', 'Held-out evaluation by segment', 'application/json', JSON.stringify({ auc, segments: { age_65_plus: +(auc - 0.02).toFixed(2), age_under_65: +(auc + 0.01).toFixed(2) } }), { auc }],
    ['fairness', 'Bias assessment: sex and age band', 'application/json', JSON.stringify(fairness), fairness],
    ['red_team', 'Adversarial testing report', 'text/markdown', '# Red team\nLabel-leakage probes and feature perturbation: no finding above low.\n'],
    ['security_review', 'Security review of the serving image', 'text/markdown', '# Security review\nImage signed, no critical CVE, runs non-root with a runtime identity.\n'],
    ['rollback_plan', 'Rollback plan', 'text/markdown', '# Rollback\nOne call restores the previous approved version; discharge planners are notified.\n'],
    ['monitoring_plan', 'Monitoring plan', 'text/markdown', '# Monitoring\nWeekly calibration by ward; drift alert on PSI > 0.2.\n'],
  ];
  let dossier;
  for (const [kind, title, mediaType, content, metrics] of docs) {
    const bytes = writeEvidence(folder, `${kind}.${mediaType === 'application/json' ? 'json' : 'md'}`, content);
    dossier = await client.registry.addEvidence(versionId, { kind, title, mediaType, content: bytes, ...(metrics ? { metrics } : {}) });
  }
  return dossier;
}

async function main() {
  const t0 = performance.now();
  const suffix = crypto.randomBytes(3).toString('hex');
  const external = process.env.CAIRN_URL;
  let url;
  let adminToken;
  let opsToken;
  let verifierKey;
  let caFile = process.env.CAIRN_CA_FILE;
  if (external) {
    adminToken = process.env.CAIRN_TOKEN ?? (process.env.CAIRN_TOKEN_FILE ? fs.readFileSync(process.env.CAIRN_TOKEN_FILE, 'utf8').trim() : undefined);
    opsToken = process.env.CAIRN_SECOND_TOKEN;
    if (!adminToken || !opsToken) throw new Error('CAIRN_URL is set: give two founders\' tokens, CAIRN_TOKEN (or CAIRN_TOKEN_FILE; npm start writes .cairn/admin-token) and CAIRN_SECOND_TOKEN (cairn token bootstrap --principal ops …)');
    url = external;
  } else {
    ({ url, adminToken, opsToken, verifierKey, caFile } = await startServer());
  }
  // With a private CA, every client trusts that CA and no other.
  const tls = caFile ? { ca: fs.readFileSync(caFile, 'utf8') } : undefined;
  const admin = new CairnClient({ url, token: adminToken, tls });
  const ops = new CairnClient({ url, token: opsToken, tls });
  // The key an examiner would obtain out of band: from the server's banner, or asked once, now.
  verifierKey ??= (await admin.key()).verifierKey;
  const { version: policy, source } = await admin.policy.active();
  for (const needed of ['hipaa-ai:', 'standard-ai:', 'high:']) {
    if (!source.includes(needed)) throw new Error(`the active policy pack has no ${needed.slice(0, -1)}; the demo follows the shipped example pack`);
  }

  console.log(bold("Cairn demo: a hospital's readmission-risk model, trained on ePHI, from raw data to audit"));
  console.log(`server ${url} (${external ? 'CAIRN_URL' : 'started for this demo'}${caFile ? `, TLS with the CA in ${caFile}` : ''}), policy ${short(policy.hash)}, log key ${dim(verifierKey.split('+').slice(0, 2).join('+'))}`);
  // One client per persona. Each person makes their own credential; the admin proposes them with
  // its SHA-256 and the second founder approves: nobody else ever holds it. (Against a server that
  // already knows them, the names get this run's suffix.)
  const as = {};
  for (const [name, p] of Object.entries(PERSONAS)) {
    const token = `cairn_${crypto.randomBytes(32).toString('base64url')}`;
    const id = external ? `${name}-${suffix}` : name;
    await admin.identity.proposePrincipal({ id, type: 'user', roles: p.roles, credentialSha256: crypto.createHash('sha256').update(token).digest('hex'), reason: `${p.as} on the readmission project` });
    await ops.identity.approvePrincipal(id, 'HR record checked');
    as[name] = new CairnClient({ url, token, verifierKey, tls });
  }
  console.log(`personas: ${Object.entries(PERSONAS).map(([n, p]) => `${n} (${p.as})`).join(', ')}`);

  // 1 ------------------------------------------------------------------------------------------
  step(1, 'Ingest a raw EHR extract into quarantine');
  const rawDir = path.join(tmp, 'ehr-extract');
  const ehr = generateExtract(rawDir);
  const rawManifest = manifestOf(rawDir);
  const raw = await as.dana.lineage.registerDataset({
    name: `ehr-readmissions-2025-${suffix}`,
    objects: rawManifest.objects,
    dataClasses: ['ephi'],
    owner: 'clinical-data-office',
    sourceSystem: 'epic-clarity',
    legalBasis: 'HIPAA TPO (45 CFR 164.506): health care operations',
    retentionClass: 'hipaa-6y',
    tags: ['readmissions', 'inpatient'],
  });
  fact(`dana registered ${raw.name}: ${rawManifest.objects.length} files (${rawManifest.objects.map((o) => o.path).join(', ')}), ${(rawManifest.bytes / 1024).toFixed(0)} KiB, ${ehr.patients.length} patients, ${ehr.encounters.length} encounters`);
  fact(`dataset ${short(raw.digest)}  classes ${raw.dataClasses.join(', ')}  state ${raw.state}  ledger ${idx(raw.ledgerIndex)}`);
  fact(dim('only the manifest (path, size, SHA-256 of each file) reached Cairn; the data stayed put'));

  // 2 ------------------------------------------------------------------------------------------
  step(2, 'Certify it (data steward)');
  const rawCert = await as.sam.lineage.certify(raw.digest, 'schema, row counts and MRN format checked; legal basis on file');
  fact(`sam certified ${short(raw.digest)}: ${rawCert.decision.allowed ? green('allowed') : red('refused')} (${rawCert.decision.rules.length} rules: ${rawCert.decision.rules.map((r) => r.rule).join(', ')})`);
  fact(`state ${rawCert.dataset.state}  ledger ${idx(rawCert.dataset.stateIndex)}`);

  // 3 ------------------------------------------------------------------------------------------
  step(3, 'Derive the training set, with exclusions');
  const trainDir = path.join(tmp, 'training-set');
  const derived = deriveTrainingSet(trainDir, ehr);
  const trainManifest = manifestOf(trainDir);
  const exclusions = [
    { records: `${derived.optedOut.patients} patients (${derived.optedOut.encounters} encounters) flagged research_opt_out=Y in patients.csv`, reason: 'the patients opted out of secondary use of their records', by: 'dana' },
    { records: `${derived.ama} encounters with disposition AMA in encounters.csv`, reason: 'left against medical advice: the 30-day outcome is not comparable', by: 'dana', manualOverride: { by: 'sam', reason: 'AMA rule reviewed with the clinical lead; kept as an exclusion' } },
  ];
  const train = await as.dana.lineage.registerDataset({
    name: `readmission-training-${suffix}`,
    objects: trainManifest.objects,
    dataClasses: ['ephi'],
    owner: 'clinical-data-office',
    legalBasis: 'HIPAA TPO (45 CFR 164.506): health care operations',
    retentionClass: 'hipaa-6y',
    derivedFrom: {
      inputs: [raw.digest],
      transform: { repository: 'git+ssh://git@git.hospital.internal/ml/readmission-etl.git', commit: '5e1c0a9b7d3f2a4c6e8b0d1f3a5c7e9b2d4f6a8c', parameters: { drop: ['name', 'zip', 'mrn'], dateShiftDays: 30, ageBands: 10 } },
      exclusions,
    },
  });
  await as.sam.lineage.certify(train.digest, 'derivation reviewed: direct identifiers dropped, exclusions justified');
  fact(`dana registered ${train.name} ${short(train.digest)} from ${short(raw.digest)}: ${derived.kept} encounters kept, ledger ${idx(train.ledgerIndex)}`);
  fact(`exclusions: ${derived.optedOut.patients} opted-out patients (${derived.optedOut.encounters} encounters), ${derived.ama} AMA discharges; the ledger holds their count and a commitment, not the ids`);
  fact(`classes ${train.dataClasses.join(', ')} (inherited: shifted dates are still ePHI)  certified by sam`);

  // 4 ------------------------------------------------------------------------------------------
  step(4, 'Train, and sign the lineage bundle');
  const image = `sha256:${sha256Hex(`registry.hospital.internal/ml/trainer:2.4.1 ${suffix}`)}`;
  const modelBytes = (v) => crypto.createHash('sha512').update(`readmission-risk ${v} ${suffix}`).digest();
  const train1 = async (version, commit, parameters, metrics) => {
    const artifactDir = path.join(tmp, 'artifacts', version);
    fs.mkdirSync(artifactDir, { recursive: true });
    fs.writeFileSync(path.join(artifactDir, 'readmission-risk.onnx'), modelBytes(version));
    const artifact = `sha256:${sha256Hex(modelBytes(version))}`;
    const { run, decision } = await as.erin.lineage.startRun({
      name: `readmission-train-${version}-${suffix}`,
      inputs: [train.digest],
      zone: 'hipaa-ai',
      code: { repository: 'git@git.hospital.internal:ml/readmission-risk.git', commit },
      image: { digest: image, name: 'registry.hospital.internal/ml/trainer:2.4.1' },
      environment: { accelerator: 'NVIDIA A100', cudaVersion: '12.4', lockfileSha256: sha256Hex('uv.lock') },
      parameters,
      evaluator: 'eval-harness@v4',
    });
    const done = await as.erin.lineage.completeRun(run.id, { outputs: [{ name: 'readmission-risk.onnx', digest: artifact }], metrics });
    return { run: done, artifact, commit, placement: decision.rules.filter((r) => r.rule.startsWith('data_class.')).length + ' placement rules passed' };
  };
  const params1 = { algorithm: 'gradient-boosted-trees', n_estimators: 400, max_depth: 6, learning_rate: 0.05, seed: 20260501 };
  const v1run = await train1('1.0.0', '9f8e7d6c5b4a39e1d2c7f0a8b6e4d2c1a9f7e5b3', params1, { auroc: 0.81, brier: 0.128 });
  const envelope = await as.erin.lineage.provenance(v1run.run.id);
  const statement = JSON.parse(Buffer.from(verifyEnvelope(envelope, parseVerifierKey(verifierKey))).toString('utf8'));
  const deps = statement.predicate.buildDefinition.resolvedDependencies;
  fact(`erin's run ${v1run.run.id} in hipaa-ai (ePHI may train there: ${v1run.placement}): code ${v1run.commit.slice(0, 12)}, image ${short(image)}, params ${Object.entries(params1).slice(1, 4).map(([k, v]) => `${k}=${v}`).join(' ')}, auroc 0.81`);
  fact(`output readmission-risk.onnx ${short(v1run.artifact)}  lineage ${v1run.run.lineageComplete ? green('complete') : red(`incomplete: ${v1run.run.missing.join(', ')}`)}  ledger ${idx(v1run.run.ledgerIndex)}`);
  fact(`bundle: in-toto ${statement._type.split('/').pop()} + SLSA ${statement.predicateType.split('/').pop()}, ${statement.subject.length} subject, ${deps.length} dependencies (${deps.map((d) => d.name === train.name ? 'dataset' : d.name).join(', ')}); trainer ${statement.predicate.buildDefinition.internalParameters.trainer} and evaluator ${statement.predicate.buildDefinition.externalParameters.evaluator} signed in; DSSE signature ${green('verified')} with the log key`);

  // 5 ------------------------------------------------------------------------------------------
  step(5, 'Register the model (tier high) and version 1.0.0 with its evidence');
  const modelName = `readmission-risk-${suffix}`;
  const model = await as.erin.registry.createModel({ name: modelName, owner: 'clinical-ai', useCase: 'triage', riskTier: 'high', description: '30-day readmission risk at discharge, to prioritise follow-up calls' });
  const card = (v, auc) => `# Readmission risk ${v}\n\nIntended use: rank inpatients at discharge for follow-up calls. Not for denying care.\nTraining data: ${train.name} (${train.digest}).\nHeld-out AUC ${auc}.\n`;
  const shipVersion = async (version, trained, quality) => {
    const v = await as.erin.registry.createVersion(modelName, { version, artifacts: [{ name: 'readmission-risk.onnx', digest: trained.artifact }], runId: trained.run.id, modelCard: card(version, quality.auc) });
    const dossier = await attachEvidence(as.erin, path.join(tmp, 'evidence', version), v.id, quality);
    const validated = await as.erin.registry.validate(v.id);
    const submitted = await as.erin.registry.submit(v.id, ['triage'], ['hipaa-ai']);
    return { v, dossier, validated, submitted };
  };
  const q1 = { auc: 0.81, parity: 0.04, impact: 0.88 };
  const s1 = await shipVersion('1.0.0', v1run, q1);
  fact(`model ${model.name}: tier ${model.riskTier}, use case ${model.useCase}, ledger ${idx(model.ledgerIndex)}; version 1.0.0 is ${s1.v.id}`);
  fact(`evidence: ${s1.dossier.evidence.map((e) => e.kind).join(', ')} + model card  (auc ${q1.auc}, parity difference ${q1.parity}, impact ratio ${q1.impact})`);
  fact(`validated against the tier (${s1.validated.decision.rules.length} rules ${green('passed')}), submitted for triage in hipaa-ai; evidence set ${short(s1.submitted.evidenceSet)}`);

  // 6 ------------------------------------------------------------------------------------------
  step(6, 'The author tries to approve her own model');
  const self = await refused(() => as.erin.registry.approve(s1.v.id, 'reviewer:model-risk', s1.submitted.evidenceSet, 'looks good to me'));
  fact(`erin (engineer, reviewer:model-risk) approving as reviewer:model-risk: ${red(`REFUSED ${self.code}`)} (HTTP ${self.status}), recorded as model_version.approval_refused`);
  for (const reason of deniedReasons(self)) fact(dim(reason));
  // An administrator invents a reviewer and vouches for it alone: one person, two identities.
  const puppetToken = `cairn_${crypto.randomBytes(32).toString('base64url')}`;
  const puppet = `r1-${suffix}`;
  await admin.identity.proposePrincipal({ id: puppet, type: 'user', roles: ['reviewer:model-risk'], credentialSha256: crypto.createHash('sha256').update(puppetToken).digest('hex'), reason: 'a reviewer nobody has met' });
  const sock = await refused(() => admin.identity.approvePrincipal(puppet, 'I vouch for them'));
  fact(`admin inventing reviewer ${puppet} and approving it alone: ${red(`REFUSED ${sock.code}`)} (HTTP ${sock.status}), recorded as principal.approval_refused`);
  for (const reason of deniedReasons(sock)) fact(dim(reason));

  // 7 ------------------------------------------------------------------------------------------
  step(7, 'Three reviewers approve');
  const approveAll = async (versionId, evidenceSet) => {
    let last;
    for (const [who, role, reason] of REVIEWS) last = await as[who].registry.approve(versionId, role, evidenceSet, reason);
    return last.version;
  };
  const approved1 = await approveAll(s1.v.id, s1.submitted.evidenceSet);
  for (const [who, role, reason] of REVIEWS) fact(`${who.padEnd(4)} ${role.padEnd(19)} ${green('approved')}  "${reason}"`);
  fact(`1.0.0 is ${approved1.state} for ${approved1.zones.join(', ')} until ${approved1.approvalExpiresAt.slice(0, 10)} (the tier's 90 days)`);

  // 8 ------------------------------------------------------------------------------------------
  step(8, 'Place it in standard-ai');
  const misplaced = await refused(() => as.olga.registry.deploy(s1.v.id, 'standard-ai', 'prod', 'CHG-1000: cheaper GPUs in the general pool'));
  // The data-class rules first: they are why an ePHI-trained model never lands here, approved or not.
  const denied = deniedReasons(misplaced).sort((a, b) => Number(b.startsWith('data_class.')) - Number(a.startsWith('data_class.')));
  fact(`olga deploying 1.0.0 to standard-ai/prod: ${red(`REFUSED ${misplaced.code}`)} (HTTP ${misplaced.status}), ${denied.length} rules denied, recorded as deployment.refused`);
  for (const reason of denied.slice(0, 2)) fact(dim(reason));

  // 9 ------------------------------------------------------------------------------------------
  step(9, 'Deploy to hipaa-ai');
  const { deployment: dep1, decision: placed } = await as.olga.registry.deploy(s1.v.id, 'hipaa-ai', 'prod', 'CHG-1001: go-live on wards 4 and 5');
  fact(`olga deployed 1.0.0 to hipaa-ai/prod: ${green('allowed')}, deployment ${dep1.id}, ledger ${idx(dep1.ledgerIndex)}`);
  fact(`${placed.rules.length} rules allowed, among them ${placed.rules.filter((r) => r.rule.startsWith('data_class.')).length} on ePHI placement; ${placed.obligations.length} run-time obligations:`);
  fact(dim(`${placed.obligations.slice(0, 2).join('; ')}; …`));

  // 10 -----------------------------------------------------------------------------------------
  step(10, 'Ship version 1.1.0, then roll back in one call');
  const v2run = await train1('1.1.0', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', { ...params1, n_estimators: 600, learning_rate: 0.04 }, { auroc: 0.83, brier: 0.121 });
  const s2 = await shipVersion('1.1.0', v2run, { auc: 0.83, parity: 0.05, impact: 0.86 });
  await approveAll(s2.v.id, s2.submitted.evidenceSet);
  const dep2 = (await as.olga.registry.deploy(s2.v.id, 'hipaa-ai', 'prod', 'CHG-1042: retrained with 2026 Q1 admissions')).deployment;
  fact(`1.1.0 (${s2.v.id}): run ${v2run.run.id}, evidence, 3 approvals, deployed to hipaa-ai/prod ${idx(dep2.ledgerIndex)}, superseding 1.0.0`);
  const tRollback = performance.now();
  const rb = await as.olga.registry.rollback(modelName, 'hipaa-ai', 'prod', 'INC-2291: calibration drift on the night-shift cohort');
  const rollbackMs = performance.now() - tRollback;
  const restored = rb.deployment;
  if (restored.versionId !== s1.v.id) throw new Error(`the rollback restored ${restored.versionId}, not 1.0.0 (${s1.v.id})`);
  fact(`rollback target: ${restored.version} (${restored.versionId}), the version active before 1.1.0; deployment ${rb.rolledBack.id} of 1.1.0 is now ${rb.rolledBack.state}`);
  fact(`one call, ${green(`${rollbackMs.toFixed(0)} ms`)} end to end (policy re-checked, ledger entry ${idx(restored.ledgerIndex)}, slot updated in one transaction)`);

  // 11 -----------------------------------------------------------------------------------------
  step(11, 'Export the compliance package (auditor)');
  const packageFile = path.join(tmp, `${modelName}-1.0.0.cairn.tar`);
  const exported = await as.ava.exports.download({ scope: { kind: 'model', model: modelName, version: '1.0.0' }, reason: 'annual model-risk review of readmission risk' }, packageFile);
  fact(`ava exported ${modelName}@1.0.0: export ${exported.id}, ${exported.entries} entries proved into checkpoint ${exported.checkpointSize}`);
  fact(`${path.basename(packageFile)}: ${(exported.size / 1024).toFixed(0)} KiB, ${short(exported.sha256)} (the digest the server recorded in export.completed)`);

  // 12 -----------------------------------------------------------------------------------------
  step(12, 'Verify the package offline');
  if (!external) await stopServer(); // nothing left to ask: the file and the key are all it takes
  const tVerify = performance.now();
  const result = await verifyPackage(packageFile, { key: verifierKey });
  const verifyMs = performance.now() - tVerify;
  const keyName = verifierKey.split('+').slice(0, 2).join('+');
  fact(dim(`@cairn/verify alone, ${external ? 'no request to the server' : 'the server already stopped'}, the log key pinned as an examiner would; ${verifyMs.toFixed(0)} ms (the whole demo: ${((performance.now() - t0) / 1000).toFixed(1)} s)`));
  const summary = result.summary;
  if (summary) {
    const { entries, evidence, checkpoint } = summary;
    fact(`${summary.files} files, ${(summary.bytes / 1024).toFixed(0)} KiB: ${entries.count} entries (${idx(entries.firstIndex)}–${idx(entries.lastIndex)}, ${entries.firstTime?.slice(0, 19)}Z → ${entries.lastTime?.slice(0, 19)}Z), each with its inclusion proof; ${evidence.files} evidence files (${evidence.dsseBundles} signed lineage bundle${evidence.dsseBundles === 1 ? '' : 's'})`);
    fact(`checkpoint ${checkpoint.origin} size ${checkpoint.treeSize} root ${dim(`${checkpoint.rootHash.slice(0, 12)}…`)}; key fingerprint ${dim(`${summary.key.fingerprint.slice(0, 16)}…`)} (${summary.key.pinned ? 'pinned' : 'from the package'})`);
  }
  if (keep) fact(`kept ${tmp}: the package is ${packageFile}${external ? '' : `; the server's data is in ${path.join(tmp, 'server-data')}`}`);
  if (!result.ok) {
    const f = result.failure;
    return { ok: false, verdict: `NOT VERIFIED: ${f.file}: ${f.check}: ${f.message}` };
  }
  return { ok: true, verdict: `VERIFIED: ${summary.entries.count} entries, checkpoint ${summary.checkpoint.treeSize}, signed by ${keyName}` };
}

let exitCode = 1;
try {
  const { ok, verdict } = await main();
  console.log(ok ? green(bold(verdict)) : red(bold(verdict)));
  exitCode = ok ? 0 : 1;
} catch (err) {
  if (interrupted) await cleanup().finally(() => process.exit(130)); // the calls in flight fail as the server stops
  const where = current.n ? `step ${current.n} (${current.title})` : current.title;
  console.error(`\n${red(`demo failed at ${where}:`)} ${err instanceof CairnApiError ? `${err.code} (HTTP ${err.status}): ` : ''}${err.message}`);
  if (err instanceof CairnApiError && err.details) console.error(dim(JSON.stringify(err.details).slice(0, 1000)));
  if (!(err instanceof CairnApiError)) console.error(dim(err.stack ?? ''));
  if (server?.stderr?.()) console.error(dim(`server stderr:\n${server.stderr().slice(-2000)}`));
} finally {
  await cleanup();
  if (keep && exitCode !== 0) console.error(`kept ${tmp}`);
}
process.exit(exitCode);
