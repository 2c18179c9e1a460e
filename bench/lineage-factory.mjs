// The synthetic AI factory behind the trace figures: a log of ~1M ledger entries holding derivation
// chains of dataset versions, training runs that read them and the artifacts the runs produced,
// among filler `custom.*` evidence entries.
//
// How it is built (fast, but with the rows the domain modules write):
//  1. A sample goes through the real modules (`openCairn`'s services): the reference datasets and
//     one whole chain with its runs, via `datasets.register` / `datasets.certify` and
//     `runs.start` / `runs.complete`.
//  2. The rest is written by `ledger.append` in transactions of ~5,000 entries. Each transaction is
//     a handful of append requests queued together (one per actor and kind: filler by a CI
//     service, registrations by the ingest service, certifications by a steward, run starts and
//     completions by the trainer), so the group commit puts them in ONE transaction. Each request
//     that records lineage has an `apply` that writes, in that transaction, exactly the rows the
//     modules would write for its entries — dataset_versions, dataset_manifests, training_runs,
//     lineage_nodes, lineage_edges — as multi-row INSERTs, every row's ledger_index (state_index,
//     completion_index) being the index of the entry that records it. Entry bodies are the
//     modules' bodies (decisions computed by the modules' own policy rules, run bundles signed
//     with the log key exactly as `runs.complete` signs them).
//  3. The bench then checks the two halves have the same shape (columns, JSON keys, entry bodies)
//     and keeps its own model of the graph, against which every trace answer is checked.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import YAML from 'yaml';
import { examplePolicyPath } from '../packages/server/dist/src/policy/index.js';
import * as verify from '../packages/verify/dist/src/index.js';
import { evaluateCertification, evaluateRunInputs } from '../packages/server/dist/src/lineage/dataset-rules.js';
import { checkManifest } from '../packages/server/dist/src/lineage/manifest-check.js';
import { provenanceStatement, signEnvelope } from '../packages/server/dist/src/lineage/provenance.js';
import { normaliseRunInput } from '../packages/server/dist/src/lineage/run-input.js';
import { missingLineage } from '../packages/server/dist/src/lineage/runs.js';
import { entryInput } from './workload.mjs';

// Who does what (shaped like the actors the HTTP API records).
export const ACTORS = Object.freeze({
  ci: Object.freeze({ id: 'svc-ci', type: 'service', auth: 'token', tokenId: 'tok_Bq3xZ0kq7LmN' }),
  ingest: Object.freeze({ id: 'svc-data-ingest', type: 'service', auth: 'token', tokenId: 'tok_Hf8sQ1mW2rTz' }),
  steward: Object.freeze({ id: 'dana.okafor', type: 'user', auth: 'oidc', tokenId: 'jti-5f0c1e8a9b' }),
  trainer: Object.freeze({ id: 'svc-trainer', type: 'service', auth: 'token', tokenId: 'tok_Zk4pL9vX0cYa' }),
});
const principal = (actor, roles) => ({ ...actor, roles });

const DOMAINS = [
  { name: 'ehr-admissions', classes: ['ephi'], owner: 'clinical-data-office', source: 'epic-clarity', legalBasis: 'HIPAA TPO', retention: 'clinical-7y' },
  { name: 'claims', classes: ['ephi', 'personal_data'], owner: 'claims-analytics', source: 'facets-claims', legalBasis: 'HIPAA TPO; GDPR Art. 6(1)(b)', retention: 'claims-10y' },
  { name: 'card-transactions', classes: ['personal_data'], owner: 'payments-risk', source: 'tsys-base2', legalBasis: 'GDPR Art. 6(1)(f) fraud prevention', retention: 'pci-13m' },
  { name: 'kyc-documents', classes: ['personal_data'], owner: 'onboarding', source: 'docusign-kyc', legalBasis: 'AML Directive Art. 40', retention: 'aml-5y' },
  { name: 'call-transcripts', classes: ['personal_data', 'internal'], owner: 'contact-centre', source: 'genesys', legalBasis: 'GDPR Art. 6(1)(a) consent', retention: 'cc-2y' },
  { name: 'radiology-reports', classes: ['ephi'], owner: 'imaging', source: 'pacs-sectra', legalBasis: 'HIPAA TPO', retention: 'clinical-7y' },
  { name: 'internal-docs', classes: ['internal'], owner: 'knowledge-mgmt', source: 'confluence', legalBasis: undefined, retention: 'internal-5y' },
  { name: 'market-filings', classes: ['public'], owner: 'research', source: 'edgar', legalBasis: undefined, retention: 'public-10y' },
];
/** The zone every run of the factory trains in: a lab the bench's pack lets every data class use. */
export const LAB_ZONE = 'research-lab';

/**
 * The shipped example pack plus one zone, research-lab, that every data class may be placed in
 * and that has every control a class can ask for: the factory mixes ePHI, personal data and public
 * reference data in one run, which no zone of the example pack allows. Written to `dir`; returns
 * the file, to open Cairn with (`policyFile`).
 */
export function labPolicyFile(dir) {
  const pack = YAML.parse(fs.readFileSync(examplePolicyPath(), 'utf8'));
  pack.name = 'bench-research-lab';
  pack.zones[LAB_ZONE] = {
    description: 'Segmented research enclave for the lineage benchmark: every class may be processed here.',
    region: 'bench',
    ingress: 'private',
    egress: { default: 'deny', allow: ['model-registry.internal'] },
    controls: { audit_logging: true, redacted_logs: true, network_segmentation: true, encrypted_volumes: true, external_llm_calls: false },
    workload_requirements: { signed_images: true, encrypted_volumes: true, runtime_identity: true },
  };
  for (const cls of Object.values(pack.data_classes)) cls.allowed_zones.push(LAB_ZONE);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'bench-lab-pack.yaml');
  fs.writeFileSync(file, YAML.stringify(pack));
  return file;
}

const STAGES = ['raw', 'deduplicated', 'pseudonymised', 'cleaned', 'joined', 'features', 'filtered', 'balanced', 'tokenised', 'split-train', 'augmented', 'final'];
const REFERENCES = ['icd10-codes', 'snomed-ct', 'mcc-codes', 'country-iso3166', 'fx-rates', 'sanctions-lists', 'loinc', 'atc-drug-codes'];

/** A small deterministic PRNG (mulberry32), so two runs build the same factory. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const hex = (s) => crypto.createHash('sha256').update(s).digest('hex');
const sha256 = (text) => `sha256:${hex(text)}`;

/** Filler evidence: pipeline artifacts (the workload of (a)–(d)) and GPU telemetry. */
function fillerInput(seq) {
  if (seq % 3 !== 2) return entryInput(seq);
  return {
    kind: 'custom.gpu-telemetry',
    subject: `node/gpu-${String(seq % 64).padStart(2, '0')}`,
    body: { window: '60s', utilisation: (seq * 37) % 100, memoryGiB: 40 + (seq % 40), powerW: 300 + (seq % 400), eccErrors: 0, seq },
  };
}

/**
 * The plan: every dataset, run and artifact, in the order they enter the log. Dataset `c/L` is
 * level L of chain c (level 0 raw, each later level derived from the previous one, every fourth
 * level also joining a reference dataset). A run reads one dataset of its chain, a quarter of
 * them also one of an earlier chain, and produces 1–3 artifacts (failed runs 0–1).
 */
export function planFactory({ chains, chainLength, runsPerChain, references, seed = 7 }) {
  const rand = prng(seed);
  const pick = (arr) => arr[Math.floor(rand() * arr.length)];
  const datasets = [];
  const refs = [];
  const manifestOf = (name, n) =>
    checkManifest(Array.from({ length: n }, (_, i) => ({ path: `s3://factory-lake/${name}/part-${String(i).padStart(5, '0')}.parquet`, size: 8_388_608 + Math.floor(rand() * 268_435_456), sha256: hex(`${name}:${i}:${seed}`) })));
  const newDataset = (name, domain, extra) => {
    const objects = manifestOf(name, 3 + Math.floor(rand() * 10));
    const ds = { digest: verify.manifestDigest(objects), name, objects, domain, ...extra };
    ds.key = `dataset:${ds.digest}`;
    datasets.push(ds);
    return ds;
  };
  for (let r = 0; r < references; r += 1) {
    const name = `reference/${REFERENCES[r % REFERENCES.length]}-v${Math.floor(r / REFERENCES.length) + 1}`;
    refs.push(newDataset(name, { classes: ['public'], owner: 'reference-data', source: 'vendor-feeds', legalBasis: undefined, retention: 'public-10y' }, { level: 0, chain: -1, inputs: [], ref: true }));
  }
  const chainList = [];
  const runs = [];
  for (let c = 0; c < chains; c += 1) {
    const domain = DOMAINS[c % DOMAINS.length];
    const levels = [];
    for (let L = 0; L < chainLength; L += 1) {
      const name = `${domain.name}-${String(c).padStart(4, '0')}/${STAGES[L % STAGES.length]}${L >= STAGES.length ? `-${L}` : ''}`;
      const inputs = L === 0 ? [] : [levels[L - 1]];
      if (L > 0 && L % 4 === 0 && refs.length > 0) inputs.push(refs[(c * 7 + L) % refs.length]);
      const derivedFrom =
        L === 0
          ? undefined
          : {
              inputs: inputs.map((d) => d.digest),
              transform: { repository: 'git@git.internal:data/pipelines.git', commit: hex(`pipelines-${c}-${L}`).slice(0, 40), parameters: { step: STAGES[L % STAGES.length], seed: c * 100 + L } },
              exclusions:
                STAGES[L % STAGES.length] === 'pseudonymised' || STAGES[L % STAGES.length] === 'filtered'
                  ? [{ records: `subject ids listed in erasure-requests/${2026}-${String(1 + (c % 12)).padStart(2, '0')} (${10 + (c % 90)} ids)`, reason: 'GDPR Art. 17 erasure requests', by: 'dpo-office' }]
                  : [],
            };
      levels.push(newDataset(name, domain, { chain: c, level: L, inputs, derivedFrom }));
    }
    chainList.push(levels);
    for (let k = 0; k < runsPerChain; k += 1) {
      const level = 2 + Math.floor(rand() * (chainLength - 2));
      const inputs = [levels[level]];
      if (c > 0 && rand() < 0.25) {
        const other = chainList[Math.floor(rand() * c)];
        inputs.push(other[2 + Math.floor(rand() * (chainLength - 2))]);
      }
      const failed = rand() < 0.03;
      const nOut = failed ? Math.floor(rand() * 2) : 1 + Math.floor(rand() * 3);
      const n = runs.length;
      const outputs = ['model.safetensors', 'eval-report.json', 'tokenizer.json'].slice(0, nOut).map((file) => ({ name: `${domain.name}-model-${c}/${file}`, digest: sha256(`artifact:${seed}:${n}:${file}`) }));
      runs.push({
        n,
        chain: c,
        level,
        inputs,
        failed,
        outputs,
        // As runs.start records it (repository as a URI, image as oci://…): the module's own normaliser.
        spec: normaliseRunInput({
          name: `${domain.name}-model-${String(c).padStart(4, '0')}`,
          inputs: inputs.map((d) => d.digest),
          zone: LAB_ZONE,
          code: { repository: `git@git.internal:ml/${domain.name}.git`, commit: hex(`code-${c}-${k}`).slice(0, 40) },
          image: { digest: sha256(`image-${k % 7}`), name: `registry.internal/ml/trainer:2026.${1 + (k % 7)}` },
          environment: { accelerator: pick(['NVIDIA H100 80GB HBM3', 'NVIDIA A100-SXM4-80GB', 'NVIDIA L40S']), driverVersion: '550.90.07', cudaVersion: '12.4', ...(rand() < 0.9 ? { lockfileSha256: hex(`lock-${c}-${k}`) } : {}) },
          parameters: { epochs: 3 + (k % 20), learningRate: 0.0001 * (1 + (k % 5)), batchSize: 32 << k % 4, seed: k },
          ...(rand() < 0.8 ? { evaluator: 'eval-harness@v4' } : {}),
        }),
        completion: {
          status: failed ? 'failed' : 'completed',
          outputs,
          metrics: failed ? { loss: 9.99 } : { auroc: 0.7 + rand() * 0.25, loss: rand() },
          ...(rand() < 0.5 ? { evaluator: 'eval-harness@v4' } : {}),
        },
      });
    }
  }
  return { datasets, refs, chains: chainList, runs };
}

/** dataset.registered body, exactly as `Datasets.register` writes it. */
function registeredBody(ds) {
  const d = ds.derivedFrom;
  const exclusions = d?.exclusions ?? [];
  return {
    digest: ds.digest,
    name: ds.name,
    state: 'quarantine',
    objectCount: ds.objects.length,
    totalBytes: ds.totalBytes,
    dataClasses: ds.dataClasses,
    owner: ds.domain.owner ?? null,
    sourceSystem: ds.domain.source ?? null,
    legalBasis: ds.domain.legalBasis ?? null,
    consentStatus: null,
    retentionClass: ds.domain.retention ?? null,
    tags: ds.tags,
    derivedFrom: d ? { inputs: [...d.inputs], transform: d.transform, exclusionCount: exclusions.length, exclusionsDigest: sha256(verify.canonicalize(exclusions)) } : null,
  };
}

/** What `Datasets.register` is called with, for the sample. */
function registerInput(ds) {
  return {
    name: ds.name,
    objects: ds.objects,
    owner: ds.domain.owner,
    sourceSystem: ds.domain.source,
    dataClasses: ds.domain.classes,
    legalBasis: ds.domain.legalBasis,
    retentionClass: ds.domain.retention,
    tags: ds.tags,
    derivedFrom: ds.derivedFrom,
  };
}

const chunkRows = (columns) => Math.floor(30_000 / columns);

async function insertRows(trx, table, rows, conflict) {
  if (rows.length === 0) return;
  const step = chunkRows(Object.keys(rows[0]).length);
  for (let i = 0; i < rows.length; i += step) {
    let q = trx.insertInto(table).values(rows.slice(i, i + step));
    if (conflict) q = q.onConflict(conflict);
    await q.execute();
  }
}

/**
 * Builds the factory on an open Cairn (`openCairn`): the sample through the modules, then the
 * rest in bulk, to `total` entries. Returns the model (every node and edge with the index of the
 * entry that recorded it) and build figures.
 */
export async function buildFactory({ cairn, plan, total, batch, log }) {
  const { ledger, datasets: dsService, runs: runService, policies, store } = cairn;
  const { policy } = await policies.active();
  const t0 = performance.now();
  const stats0 = { ...ledger.stats };
  const sizeAtStart = await ledger.size();

  // Derived facts of every dataset (classes propagate along derivations, as register computes them).
  for (const ds of plan.datasets) {
    ds.totalBytes = ds.objects.reduce((n, o) => n + o.size, 0);
    ds.tags = ds.ref ? ['reference'] : [ds.domain.name, ds.level === 0 ? 'raw' : 'derived'];
    ds.dataClasses = [...new Set([...ds.domain.classes, ...ds.inputs.flatMap((i) => i.dataClasses)])].sort();
  }

  // Graph model, filled as entries are appended.
  const nodes = new Map(); // key -> { kind, label, ledgerIndex }
  const up = new Map(); // dst -> edges
  const down = new Map(); // src -> edges
  const addNode = (key, kind, label, index) => {
    if (!nodes.has(key)) nodes.set(key, { key, kind, label, ledgerIndex: index });
  };
  const addEdge = (src, dst, relation, index) => {
    const e = { src, dst, relation, ledgerIndex: index };
    const u = up.get(dst) ?? [];
    if (u.some((x) => x.src === src && x.relation === relation)) return;
    u.push(e);
    up.set(dst, u);
    const d = down.get(src) ?? [];
    d.push(e);
    down.set(src, d);
  };
  const recordDataset = (ds, regIndex, certIndex) => {
    ds.regIndex = regIndex;
    ds.certIndex = certIndex;
    addNode(ds.key, 'dataset', ds.name, regIndex);
    for (const i of ds.inputs) addEdge(i.key, ds.key, 'derived_into', regIndex);
  };
  const recordRunStart = (run, index) => {
    run.key = `run:${run.id}`;
    run.startIndex = index;
    addNode(run.key, 'run', run.spec.name, index);
    for (const i of run.inputs) addEdge(i.key, run.key, 'input_to', index);
  };
  const recordRunEnd = (run, index) => {
    run.completeIndex = index;
    for (const o of run.outputs) {
      addNode(`artifact:${o.digest}`, 'artifact', o.name, index);
      addEdge(run.key, `artifact:${o.digest}`, 'produced', index);
    }
  };

  // 1. The sample, through the modules: the reference datasets, then chain 0 and its runs.
  const sampleStart = performance.now();
  const steward = principal(ACTORS.steward, ['steward']);
  const trainer = principal(ACTORS.trainer, ['engineer']);
  const sampleDatasets = [...plan.refs, ...plan.chains[0]];
  for (const ds of sampleDatasets) {
    const v = await dsService.register(ACTORS.ingest, registerInput(ds));
    if (v.digest !== ds.digest) throw new Error(`the module registered ${v.digest}, the bench expected ${ds.digest}`);
    if (JSON.stringify(v.dataClasses) !== JSON.stringify(ds.dataClasses)) throw new Error(`classes of ${ds.name}: module ${v.dataClasses}, bench ${ds.dataClasses}`);
    const { dataset } = await dsService.certify(steward, ds.digest, 'DQ checks passed; DPO sign-off recorded');
    recordDataset(ds, v.ledgerIndex, dataset.stateIndex);
    ds.viaModule = true;
  }
  const sampleRuns = plan.runs.filter((r) => r.chain === 0);
  for (const run of sampleRuns) {
    const { run: started } = await runService.start(trainer, run.spec);
    run.id = started.id;
    recordRunStart(run, started.ledgerIndex);
    const done = await runService.complete(ACTORS.trainer, run.id, run.completion);
    recordRunEnd(run, done.completionIndex);
    run.viaModule = true;
  }
  const sample = { datasets: sampleDatasets.length, runs: sampleRuns.length, seconds: (performance.now() - sampleStart) / 1000, entries: (await ledger.size()) - sizeAtStart };

  // 2. The rest, in bulk. Ops in log order: a dataset is registered and certified (2 entries,
  //    never split across transactions), a run starts (1 entry) and completes one transaction
  //    later (1 entry: its bundle needs the start time, which the ledger assigns).
  const ops = [];
  const runsByChain = new Map();
  for (const r of plan.runs) runsByChain.set(r.chain, [...(runsByChain.get(r.chain) ?? []), r]);
  for (let c = 1; c < plan.chains.length; c += 1) {
    for (const ds of plan.chains[c]) ops.push({ type: 'dataset', ds });
    for (const run of runsByChain.get(c) ?? []) ops.push({ type: 'start', run });
  }
  const opEntries = ops.length * 2; // a dataset: registered + certified; a run: started + completed
  let size = await ledger.size();
  const remaining = total - size;
  if (remaining < opEntries + 1) throw new Error(`a log of ${total} entries cannot hold the ${opEntries} lineage entries of this plan`);
  const transactions = Math.ceil(remaining / batch);
  const quota = Math.ceil(opEntries / Math.max(1, transactions - 1)); // lineage entries per transaction, ops done by the last but one
  const builder = `https://cairn.dev/builders/${ledger.origin}`;
  const certReason = 'DQ checks passed; DPO sign-off recorded';
  let opPos = 0;
  let fillerSeq = 50_000_000;
  let pendingCompletions = [];
  let appendMs = 0;
  let prepMs = 0;
  let signMs = 0;
  let lastLog = performance.now();
  const rows = { dataset_versions: 0, dataset_manifests: 0, training_runs: 0, lineage_nodes: 0, lineage_edges: 0 };

  for (let t = 0; size < total; t += 1) {
    const p0 = performance.now();
    // This transaction's lineage: completions of the runs started in the previous one, then new ops.
    const completions = pendingCompletions;
    const newOps = [];
    let lin = completions.length;
    while (opPos < ops.length && lin < quota) {
      const op = ops[opPos++];
      newOps.push(op);
      lin += op.type === 'dataset' ? 2 : 1;
    }
    const startsHere = newOps.filter((o) => o.type === 'start').map((o) => o.run);
    // Room for what is still owed after this transaction: the ops to come (each 2 entries, a
    // dataset's two or a run's start and completion) and the completions of this one's starts.
    const owed = (ops.length - opPos) * 2 + startsHere.length;
    const fillerCount = Math.max(0, Math.min(batch - lin, total - size - lin - owed));
    if (lin + fillerCount === 0) break;

    const regs = newOps.filter((o) => o.type === 'dataset').map((o) => o.ds);
    // Completion bodies: record and bundle as `runs.complete` builds them (signed now, as it does).
    const s0 = performance.now();
    for (const run of completions) {
      const endedAt = new Date().toISOString();
      const base = JSON.parse(JSON.stringify(run.startRecord));
      const record = { ...base, outputs: [...run.completion.outputs], metrics: run.completion.metrics, evaluator: run.completion.evaluator ?? base.evaluator, endedAt };
      const missing = missingLineage(record);
      const envelope = signEnvelope(ledger.signer, provenanceStatement(record, builder, { trainer: ACTORS.trainer.id, completedBy: ACTORS.trainer.id }));
      run.final = { record, missing, envelope, endedAt, bundleDigest: sha256(JSON.stringify(envelope)) };
    }
    signMs += performance.now() - s0;
    for (const run of startsHere) {
      run.id = `run_${crypto.randomBytes(9).toString('base64url')}`;
      run.decision = evaluateRunInputs(policy, run.inputs.map((d) => ({ digest: d.digest, state: 'certified', dataClasses: d.dataClasses })), run.spec.zone);
    }

    // The requests of this transaction, in slices so that lineage entries sit among the filler.
    const slices = 8;
    const part = (arr, s) => arr.slice(Math.floor((arr.length * s) / slices), Math.floor((arr.length * (s + 1)) / slices));
    const requests = [];
    for (let s = 0; s < slices; s += 1) {
      const fillerN = Math.floor((fillerCount * (s + 1)) / slices) - Math.floor((fillerCount * s) / slices);
      if (fillerN > 0) {
        const entries = new Array(fillerN);
        for (let i = 0; i < fillerN; i += 1) entries[i] = fillerInput(fillerSeq++);
        requests.push({ request: { actor: ACTORS.ci, entries } });
      }
      const sRegs = part(regs, s);
      if (sRegs.length) requests.push(registrationRequest(sRegs, rows));
      if (sRegs.length) requests.push(certificationRequest(sRegs, policy, certReason, rows));
      const sStarts = part(startsHere, s);
      if (sStarts.length) requests.push(startRequest(sStarts, rows));
      const sEnds = part(completions, s);
      if (sEnds.length) requests.push(completionRequest(sEnds, rows));
    }
    prepMs += performance.now() - p0;

    const a0 = performance.now();
    const results = await Promise.all(requests.map((r) => ledger.append(r.request)));
    appendMs += performance.now() - a0;
    requests.forEach((r, i) => r.after?.(results[i].entries));
    size = results.reduce((m, r) => Math.max(m, r.treeSize), size);

    for (const ds of regs) recordDataset(ds, ds.regIndex, ds.certIndex);
    for (const run of startsHere) recordRunStart(run, run.startIndex);
    for (const run of completions) recordRunEnd(run, run.completeIndex);
    pendingCompletions = startsHere;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`    … ${size.toLocaleString('en-US')} entries (${Math.round((size - sizeAtStart) / ((performance.now() - t0) / 1000)).toLocaleString('en-US')}/s wall)`);
    }
  }
  if (pendingCompletions.length > 0 || opPos < ops.length) throw new Error(`build ended with ${ops.length - opPos} ops and ${pendingCompletions.length} completions left`);
  await ledger.flush();
  const finalSize = await ledger.size();
  const stats1 = ledger.stats;

  function registrationRequest(list, rowsCount) {
    return {
      request: {
        actor: ACTORS.ingest,
        entries: list.map((ds) => ({ kind: 'dataset.registered', subject: ds.key, body: registeredBody(ds) })),
        apply: async (trx, appended) => {
          const dv = [];
          const man = [];
          const nd = [];
          const ed = [];
          appended.forEach((a, i) => {
            const ds = list[i];
            ds.regIndex = a.index;
            ds.regTime = a.entry.time;
            const d = ds.derivedFrom;
            dv.push({
              digest: ds.digest,
              name: ds.name,
              state: 'quarantine',
              owner: ds.domain.owner ?? null,
              source_system: ds.domain.source ?? null,
              data_classes: JSON.stringify(ds.dataClasses),
              declared_classes: JSON.stringify([...ds.domain.classes].sort()),
              legal_basis: ds.domain.legalBasis ?? null,
              consent_status: null,
              retention_class: ds.domain.retention ?? null,
              tags: JSON.stringify(ds.tags),
              object_count: ds.objects.length,
              total_bytes: ds.totalBytes,
              derivation: d ? JSON.stringify({ ...d, exclusions: d.exclusions ?? [] }) : null,
              declassifications: '[]',
              registered_by: ACTORS.ingest.id,
              registered_at: a.entry.time,
              ledger_index: a.index,
              state_index: a.index,
              certified_at: null,
            });
            man.push({ digest: ds.digest, manifest: verify.canonicalManifest(ds.objects) });
            nd.push({ key: ds.key, kind: 'dataset', label: ds.name, ledger_index: a.index });
            for (const input of ds.inputs) ed.push({ src: input.key, dst: ds.key, relation: 'derived_into', ledger_index: a.index });
          });
          await insertRows(trx, 'dataset_versions', dv);
          await insertRows(trx, 'dataset_manifests', man);
          await insertRows(trx, 'lineage_nodes', nd, (oc) => oc.column('key').doNothing());
          await insertRows(trx, 'lineage_edges', ed, (oc) => oc.columns(['src', 'dst', 'relation']).doNothing());
          rowsCount.dataset_versions += dv.length;
          rowsCount.dataset_manifests += man.length;
          rowsCount.lineage_nodes += nd.length;
          rowsCount.lineage_edges += ed.length;
        },
      },
    };
  }

  function certificationRequest(list, pol, reason, rowsCount) {
    const decisions = list.map((ds) =>
      evaluateCertification(pol, { digest: ds.digest, owner: ds.domain.owner ?? null, dataClasses: ds.dataClasses, legalBasis: ds.domain.legalBasis ?? null, objectCount: ds.objects.length, inputs: ds.inputs.map((i) => ({ digest: i.digest, state: 'certified' })) }),
    );
    for (const d of decisions) if (!d.allowed) throw new Error(`the plan has a dataset the policy would not certify: ${d.reasons.join('; ')}`);
    return {
      request: {
        actor: ACTORS.steward,
        entries: list.map((ds, i) => ({ kind: 'dataset.certified', subject: ds.key, body: { digest: ds.digest, from: 'quarantine', to: 'certified', reason, decision: decisions[i] } })),
        apply: async (trx, appended) => {
          // The transition `Datasets.certify` makes: state, state_index, certified_at.
          const step = 500;
          for (let i = 0; i < appended.length; i += step) {
            const part = appended.slice(i, i + step);
            const values = part.map((a, j) => {
              const ds = list[i + j];
              ds.certIndex = a.index;
              return { digest: ds.digest, state: 'certified', state_index: a.index, certified_at: a.entry.time };
            });
            await updateStates(trx, values);
          }
          rowsCount.datasetCertifications = (rowsCount.datasetCertifications ?? 0) + appended.length;
        },
      },
    };
  }

  function startRequest(list, rowsCount) {
    return {
      request: {
        actor: ACTORS.trainer,
        entries: list.map((run) => ({
          kind: 'run.started',
          subject: `run:${run.id}`,
          body: {
            id: run.id,
            name: run.spec.name,
            inputs: [...run.spec.inputs],
            zone: run.spec.zone,
            code: run.spec.code ?? null,
            image: run.spec.image ?? null,
            environment: run.spec.environment ?? null,
            parameters: run.spec.parameters ?? null,
            decision: run.decision,
          },
        })),
        apply: async (trx, appended) => {
          const tr = [];
          const nd = [];
          const ed = [];
          appended.forEach((a, i) => {
            const run = list[i];
            run.startIndex = a.index;
            run.startRecord = {
              id: run.id,
              name: run.spec.name,
              inputs: run.inputs.map((d) => ({ digest: d.digest, name: d.name, state: 'certified', dataClasses: d.dataClasses })),
              zone: run.spec.zone,
              code: run.spec.code,
              image: run.spec.image,
              environment: run.spec.environment,
              parameters: run.spec.parameters,
              evaluator: run.spec.evaluator,
              outputs: [],
              startedAt: a.entry.time,
            };
            tr.push({
              id: run.id,
              name: run.spec.name,
              state: 'running',
              record: JSON.stringify(run.startRecord),
              trainer: ACTORS.trainer.id,
              started_at: a.entry.time,
              ended_at: null,
              lineage_complete: null,
              missing: null,
              bundle: null,
              ledger_index: a.index,
              completion_index: null,
            });
            nd.push({ key: `run:${run.id}`, kind: 'run', label: run.spec.name, ledger_index: a.index });
            for (const d of run.inputs) ed.push({ src: d.key, dst: `run:${run.id}`, relation: 'input_to', ledger_index: a.index });
          });
          await insertRows(trx, 'training_runs', tr);
          await insertRows(trx, 'lineage_nodes', nd, (oc) => oc.column('key').doNothing());
          await insertRows(trx, 'lineage_edges', ed, (oc) => oc.columns(['src', 'dst', 'relation']).doNothing());
          rowsCount.training_runs += tr.length;
          rowsCount.lineage_nodes += nd.length;
          rowsCount.lineage_edges += ed.length;
        },
      },
    };
  }

  function completionRequest(list, rowsCount) {
    return {
      request: {
        actor: ACTORS.trainer,
        entries: list.map((run) => ({
          kind: run.completion.status === 'completed' ? 'run.completed' : 'run.failed',
          subject: `run:${run.id}`,
          body: {
            id: run.id,
            outputs: run.final.record.outputs.map((o) => ({ ...o })),
            metrics: run.completion.metrics ?? null,
            evaluator: run.final.record.evaluator ?? null,
            lineageComplete: run.final.missing.length === 0,
            missing: run.final.missing,
            bundleDigest: run.final.bundleDigest,
          },
        })),
        apply: async (trx, appended) => {
          const upd = [];
          const nd = [];
          const ed = [];
          appended.forEach((a, i) => {
            const run = list[i];
            run.completeIndex = a.index;
            const f = run.final;
            // The full row (INSERT … ON CONFLICT (id) DO UPDATE): the columns `runs.complete` updates.
            upd.push({
              id: run.id,
              name: run.spec.name,
              state: run.completion.status,
              record: JSON.stringify(f.record),
              trainer: ACTORS.trainer.id,
              started_at: run.startRecord.startedAt,
              ended_at: f.endedAt,
              lineage_complete: f.missing.length === 0 ? 1 : 0,
              missing: JSON.stringify(f.missing),
              bundle: JSON.stringify(f.envelope),
              ledger_index: run.startIndex,
              completion_index: a.index,
            });
            for (const o of f.record.outputs) {
              nd.push({ key: `artifact:${o.digest}`, kind: 'artifact', label: o.name, ledger_index: a.index });
              ed.push({ src: `run:${run.id}`, dst: `artifact:${o.digest}`, relation: 'produced', ledger_index: a.index });
            }
          });
          const cols = ['state', 'record', 'ended_at', 'lineage_complete', 'missing', 'bundle', 'completion_index'];
          await insertRows(trx, 'training_runs', upd, (oc) => oc.column('id').doUpdateSet((eb) => Object.fromEntries(cols.map((c) => [c, eb.ref(`excluded.${c}`)]))));
          await insertRows(trx, 'lineage_nodes', nd, (oc) => oc.column('key').doNothing());
          await insertRows(trx, 'lineage_edges', ed, (oc) => oc.columns(['src', 'dst', 'relation']).doNothing());
          rowsCount.trainingRunCompletions = (rowsCount.trainingRunCompletions ?? 0) + upd.length;
          rowsCount.lineage_nodes += nd.length;
          rowsCount.lineage_edges += ed.length;
        },
      },
    };
  }

  async function updateStates(trx, values) {
    // The rows exist (registered by the request before this one, same transaction): one UPDATE … FROM (VALUES …).
    const tuples = sql.join(values.map((v) => sql`(${v.digest}, ${v.state_index}, ${v.certified_at})`));
    if (store.dialect === 'postgres') {
      await sql`update dataset_versions as d set state = 'certified', state_index = v.idx::bigint, certified_at = v.at from (values ${tuples}) as v(digest, idx, at) where d.digest = v.digest`.execute(trx);
    } else {
      await sql`with v(digest, idx, at) as (values ${tuples}) update dataset_versions set state = 'certified', state_index = v.idx, certified_at = v.at from v where v.digest = dataset_versions.digest`.execute(trx);
    }
  }

  const wallSeconds = (performance.now() - t0) / 1000;
  const bulkEntries = finalSize - sizeAtStart - sample.entries;
  const counts = await countRows(store);
  return {
    model: { nodes, up, down, plan },
    build: {
      entries: finalSize,
      wallSeconds,
      sample,
      bulk: {
        entries: bulkEntries,
        transactions: stats1.commits - stats0.commits - sample.entries, // the sample commits one transaction per entry
        appendSeconds: appendMs / 1000,
        entriesPerSecInAppend: bulkEntries / (appendMs / 1000),
        prepareSeconds: prepMs / 1000,
        signSeconds: signMs / 1000,
        rowsWritten: rows,
      },
      counts,
      datasets: plan.datasets.length,
      runs: plan.runs.length,
      artifacts: [...nodes.values()].filter((n) => n.kind === 'artifact').length,
      maxChainDepth: plan.chains[0].length - 1,
    },
  };
}

async function countRows(store) {
  const out = {};
  for (const table of ['log_entries', 'dataset_versions', 'dataset_manifests', 'training_runs', 'lineage_nodes', 'lineage_edges']) {
    const r = await store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  return out;
}

/**
 * The bulk half must look like the modules' half: same columns, same JSON keys in every JSON
 * column, same entry body keys per kind. Compares one module-written and one bulk-written row of
 * each kind (a raw and a derived dataset, a completed run) and their entries.
 */
export async function shapeCheck(cairn, plan) {
  const { store, ledger } = cairn;
  const problems = [];
  const keysOf = (v, path = '') => {
    if (v === null || typeof v !== 'object') return [`${path}:${v === null ? 'null' : typeof v}`];
    if (Array.isArray(v)) return v.length ? keysOf(v[0], `${path}[]`) : [`${path}[]`];
    return Object.keys(v)
      .sort()
      .flatMap((k) => keysOf(v[k], `${path}.${k}`));
  };
  const sameShape = (what, a, b) => {
    const ka = new Set(keysOf(a).filter((k) => !k.endsWith(':null')).map((k) => k.split(':')[0]));
    const kb = new Set(keysOf(b).filter((k) => !k.endsWith(':null')).map((k) => k.split(':')[0]));
    const onlyA = [...ka].filter((k) => !kb.has(k) && ![...kb].some((x) => x.startsWith(`${k}.`) || x.startsWith(`${k}[]`)));
    const onlyB = [...kb].filter((k) => !ka.has(k) && ![...ka].some((x) => x.startsWith(`${k}.`) || x.startsWith(`${k}[]`)));
    if (onlyA.length || onlyB.length) problems.push(`${what}: module-only ${JSON.stringify(onlyA)}, bulk-only ${JSON.stringify(onlyB)}`);
  };
  const parseJsonCols = (row, cols) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, cols.includes(k) && typeof v === 'string' ? JSON.parse(v) : v]));
  const dsRow = async (digest) => parseJsonCols(await store.db.selectFrom('dataset_versions').selectAll().where('digest', '=', digest).executeTakeFirstOrThrow(), ['data_classes', 'declared_classes', 'tags', 'derivation', 'declassifications']);
  const runRow = async (id) => parseJsonCols(await store.db.selectFrom('training_runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow(), ['record', 'missing', 'bundle']);
  const entryAt = async (i) => (await ledger.entry(i)).entry;
  const pairs = [
    ['raw dataset', plan.chains[0][0], plan.chains[1][0]],
    ['derived dataset with a reference input and exclusions', plan.chains[0][4], plan.chains[1][4]],
    ['derived dataset', plan.chains[0][2], plan.chains[1][2]],
  ];
  for (const [what, m, b] of pairs) {
    sameShape(`dataset_versions row (${what})`, await dsRow(m.digest), await dsRow(b.digest));
    sameShape(`dataset.registered entry (${what})`, await entryAt(m.regIndex), await entryAt(b.regIndex));
    sameShape(`dataset.certified entry (${what})`, await entryAt(m.certIndex), await entryAt(b.certIndex));
    const mr = await dsRow(m.digest);
    const br = await dsRow(b.digest);
    if (mr.state !== 'certified' || br.state !== 'certified') problems.push(`${what}: state ${mr.state} / ${br.state}`);
    if (Number(br.ledger_index) !== b.regIndex || Number(br.state_index) !== b.certIndex) problems.push(`${what}: bulk row indexes ${br.ledger_index}/${br.state_index} ≠ entries ${b.regIndex}/${b.certIndex}`);
  }
  const completed = (runs) => runs.find((r) => !r.failed && r.outputs.length === 3 && r.spec.evaluator && r.spec.environment.lockfileSha256);
  const mRun = completed(plan.runs.filter((r) => r.viaModule));
  const bRun = completed(plan.runs.filter((r) => !r.viaModule));
  if (mRun && bRun) {
    const m = await runRow(mRun.id);
    const b = await runRow(bRun.id);
    sameShape('training_runs row (completed run)', m, b);
    sameShape('run.started entry', await entryAt(mRun.startIndex), await entryAt(bRun.startIndex));
    sameShape('run.completed entry', await entryAt(mRun.completeIndex), await entryAt(bRun.completeIndex));
    // The bundles verify with the log key, and bulk bundles carry the start time the ledger gave.
    for (const [who, row, run] of [
      ['module', m, mRun],
      ['bulk', b, bRun],
    ]) {
      const payload = verify.verifyEnvelope(row.bundle, verify.parseVerifierKey(ledger.signer.verifierKey));
      const startedOn = JSON.parse(Buffer.from(payload).toString('utf8')).predicate.runDetails.metadata.startedOn;
      const started = await entryAt(run.startIndex);
      if (startedOn !== started.time) problems.push(`${who} bundle startedOn ${startedOn} ≠ run.started time ${started.time}`);
      if (Number(row.ledger_index) !== run.startIndex || Number(row.completion_index) !== run.completeIndex) problems.push(`${who} run row indexes ${row.ledger_index}/${row.completion_index} ≠ entries ${run.startIndex}/${run.completeIndex}`);
    }
  } else {
    problems.push('no comparable completed runs in both halves');
  }
  return { compared: pairs.length * 3 + 3, problems };
}
