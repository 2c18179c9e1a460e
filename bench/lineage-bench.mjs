// (e) trace latency over the synthetic factory (bench/lineage-factory.mjs): `trace(store.db, key,
// depth)` — the function `GET /api/v1/trace/{kind}/{id}` calls — on random roots of each kind,
// timed one at a time; every answer is checked against the bench's own model of the graph.
import { trace } from '../packages/server/dist/src/lineage/trace.js';
import { request, startCairn } from './http-bench.mjs';
import { countStatements, CpuMeter, retryOpen, summarize } from './lib.mjs';
import { buildFactory, labPolicyFile, planFactory, shapeCheck } from './lineage-factory.mjs';

export const TRACE_DEPTH = 25;
const KINDS = ['dataset', 'run', 'artifact'];

/** What `walk` must answer, computed from the bench's model with the same rules (BFS per direction, depth limit, shared `seen`). */
export function expectedWalk(model, root, depth) {
  const seen = new Map([[root, { direction: 'root', depth: 0 }]]);
  const edges = new Map();
  let truncated = false;
  for (const direction of ['upstream', 'downstream']) {
    let frontier = [root];
    for (let d = 1; frontier.length > 0; d += 1) {
      const rows = frontier.flatMap((k) => (direction === 'upstream' ? model.up.get(k) : model.down.get(k)) ?? []);
      if (d > depth) {
        truncated ||= rows.length > 0;
        break;
      }
      const next = [];
      for (const r of rows) {
        edges.set(`${r.src}>${r.dst}>${r.relation}`, r);
        const other = direction === 'upstream' ? r.src : r.dst;
        if (!seen.has(other)) {
          seen.set(other, { direction, depth: d });
          next.push(other);
        }
      }
      frontier = next;
    }
  }
  return { nodes: seen, edges, truncated };
}

/** Throws unless `got` (a trace, in-process or parsed from HTTP) is exactly what the model says. */
export function checkTrace(model, root, depth, got) {
  const exp = expectedWalk(model, root, depth);
  const fail = (msg) => {
    throw new Error(`trace of ${root}: ${msg}`);
  };
  if (got.root !== root) fail(`root ${got.root}`);
  if (got.truncated !== exp.truncated) fail(`truncated ${got.truncated}, expected ${exp.truncated}`);
  if (got.nodes.length !== exp.nodes.size) fail(`${got.nodes.length} nodes, expected ${exp.nodes.size}`);
  for (const n of got.nodes) {
    const e = exp.nodes.get(n.key);
    const m = model.nodes.get(n.key);
    if (!e || !m) fail(`unexpected node ${n.key}`);
    if (n.direction !== e.direction || n.depth !== e.depth) fail(`${n.key} at ${n.direction}/${n.depth}, expected ${e.direction}/${e.depth}`);
    if (n.kind !== m.kind || n.label !== m.label) fail(`${n.key} is ${n.kind} "${n.label}", expected ${m.kind} "${m.label}"`);
    if (n.ledgerIndex !== m.ledgerIndex) fail(`${n.key} carries ledger index ${n.ledgerIndex}, recorded at ${m.ledgerIndex}`);
    if (n.kind === 'dataset') {
      const ds = model.datasetByKey.get(n.key);
      if (n.details?.state !== 'certified' || n.details?.name !== ds.name || JSON.stringify(n.details?.dataClasses) !== JSON.stringify(ds.dataClasses)) fail(`${n.key} details ${JSON.stringify(n.details)}`);
    } else if (n.kind === 'run') {
      const run = model.runByKey.get(n.key);
      if (n.details?.state !== run.completion.status) fail(`${n.key} state ${n.details?.state}, expected ${run.completion.status}`);
    }
  }
  if (got.edges.length !== exp.edges.size) fail(`${got.edges.length} edges, expected ${exp.edges.size}`);
  for (const e of got.edges) {
    const m = exp.edges.get(`${e.from}>${e.to}>${e.relation}`);
    if (!m) fail(`unexpected edge ${e.from} -${e.relation}-> ${e.to}`);
    if (e.ledgerIndex !== m.ledgerIndex) fail(`edge ${e.from} -${e.relation}-> ${e.to} carries ${e.ledgerIndex}, recorded at ${m.ledgerIndex}`);
  }
  return { nodes: got.nodes.length, edges: got.edges.length };
}

/**
 * The named end-to-end fact for each kind: the root's upstream reaches the raw dataset of its
 * chain at the depth the plan implies (artifact: level + 2; run: level + 1; dataset: its level),
 * and a mid-chain dataset's downstream reaches the chain's last level.
 */
function reachesRaw(model, root, got) {
  const byKey = new Map(got.nodes.map((n) => [n.key, n]));
  const [kind] = root.split(':');
  let chain;
  let want;
  if (kind === 'artifact') {
    const run = model.runByArtifact.get(root);
    chain = run.chain;
    want = run.level + 2;
  } else if (kind === 'run') {
    const run = model.runByKey.get(root);
    chain = run.chain;
    want = run.level + 1;
  } else {
    const ds = model.datasetByKey.get(root);
    chain = ds.chain;
    want = ds.level;
    const last = model.plan.chains[chain].at(-1);
    const n = byKey.get(last.key);
    if (!n || n.direction !== 'downstream' || n.depth !== last.level - ds.level) return false;
  }
  const raw = byKey.get(model.plan.chains[chain][0].key);
  return Boolean(raw && raw.direction === 'upstream' && raw.depth === want);
}

function pickRoots(model, count, rand = Math.random) {
  const { plan } = model;
  const L = plan.chains[0].length;
  const withOutputs = plan.runs.filter((r) => r.outputs.length > 0);
  const roots = [];
  for (let i = 0; i < count; i += 1) {
    const kind = KINDS[i % KINDS.length];
    if (kind === 'dataset') {
      const chain = plan.chains[Math.floor(rand() * plan.chains.length)];
      roots.push({ kind, key: chain[3 + Math.floor(rand() * (L - 6))].key }); // mid-chain: levels 3 … L-4
    } else if (kind === 'run') {
      roots.push({ kind, key: plan.runs[Math.floor(rand() * plan.runs.length)].key });
    } else {
      const run = withOutputs[Math.floor(rand() * withOutputs.length)];
      roots.push({ kind, key: `artifact:${run.outputs[Math.floor(rand() * run.outputs.length)].digest}` });
    }
  }
  return roots;
}

function indexModel(model) {
  model.datasetByKey = new Map(model.plan.datasets.map((d) => [d.key, d]));
  model.runByKey = new Map(model.plan.runs.map((r) => [r.key, r]));
  model.runByArtifact = new Map(model.plan.runs.flatMap((r) => r.outputs.map((o) => [`artifact:${o.digest}`, r])));
}

async function timeTraces(roots, call) {
  const lat = new Array(roots.length);
  const results = new Array(roots.length);
  for (let i = 0; i < roots.length; i += 1) {
    const s = performance.now();
    results[i] = await call(roots[i]);
    lat[i] = performance.now() - s;
  }
  return { lat, results };
}

function perKind(roots, lat, results) {
  const out = {};
  for (const kind of [...KINDS, 'all']) {
    const idx = roots.map((r, i) => (kind === 'all' || r.kind === kind ? i : -1)).filter((i) => i >= 0);
    const nodes = idx.map((i) => results[i].nodes.length);
    const edges = idx.map((i) => results[i].edges.length);
    out[kind] = {
      ms: summarize(idx.map((i) => lat[i])),
      meanNodes: nodes.reduce((s, x) => s + x, 0) / nodes.length,
      maxNodes: Math.max(...nodes),
      meanEdges: edges.reduce((s, x) => s + x, 0) / edges.length,
    };
  }
  return out;
}

/** Each sampled node and edge names a real entry that records it (kind, subject, body). */
async function checkLedgerIndexes(ledger, model, traces, limit) {
  let nodes = 0;
  let edges = 0;
  const entryAt = async (i) => (await ledger.entry(i)).entry;
  const recordsArtifact = (entry, key) => (entry.kind === 'run.completed' || entry.kind === 'run.failed') && entry.body.outputs.some((o) => `artifact:${o.digest}` === key);
  for (const t of traces) {
    for (const n of t.nodes) {
      if (nodes >= limit) break;
      const e = await entryAt(n.ledgerIndex);
      const ok = n.kind === 'artifact' ? recordsArtifact(e, n.key) : e.subject === n.key && e.kind === (n.kind === 'dataset' ? 'dataset.registered' : 'run.started');
      if (!ok) throw new Error(`node ${n.key}: entry ${n.ledgerIndex} is ${e.kind} ${e.subject}, which does not record it`);
      nodes += 1;
    }
    for (const ed of t.edges) {
      if (edges >= limit) break;
      const e = await entryAt(ed.ledgerIndex);
      const ok =
        ed.relation === 'produced'
          ? recordsArtifact(e, ed.to) && e.subject === ed.from
          : e.subject === ed.to && e.kind === (ed.relation === 'derived_into' ? 'dataset.registered' : 'run.started') && JSON.stringify(e.body.inputs ?? e.body.derivedFrom?.inputs).includes(ed.from.split(':').slice(1).join(':'));
      if (!ok) throw new Error(`edge ${ed.from} -${ed.relation}-> ${ed.to}: entry ${ed.ledgerIndex} (${e.kind} ${e.subject}) does not record it`);
      edges += 1;
    }
    if (nodes >= limit && edges >= limit) break;
  }
  // And the projection rows that are not graph rows: dataset_versions and training_runs indexes.
  let rows = 0;
  const ds = model.plan.datasets.filter((_, i) => i % Math.ceil(model.plan.datasets.length / 50) === 0);
  for (const d of ds) {
    const row = await ledger.store.db.selectFrom('dataset_versions').select(['ledger_index', 'state_index']).where('digest', '=', d.digest).executeTakeFirstOrThrow();
    const reg = await entryAt(Number(row.ledger_index));
    const cert = await entryAt(Number(row.state_index));
    if (reg.kind !== 'dataset.registered' || reg.body.digest !== d.digest || cert.kind !== 'dataset.certified' || cert.body.digest !== d.digest) throw new Error(`dataset_versions row of ${d.name}: its indexes do not name its entries`);
    rows += 1;
  }
  const runs = model.plan.runs.filter((_, i) => i % Math.ceil(model.plan.runs.length / 50) === 0);
  for (const r of runs) {
    const row = await ledger.store.db.selectFrom('training_runs').select(['ledger_index', 'completion_index', 'state']).where('id', '=', r.id).executeTakeFirstOrThrow();
    const s = await entryAt(Number(row.ledger_index));
    const c = await entryAt(Number(row.completion_index));
    if (s.kind !== 'run.started' || s.body.id !== r.id || c.subject !== `run:${r.id}` || c.kind !== `run.${row.state}`) throw new Error(`training_runs row of ${r.id}: its indexes do not name its entries`);
    rows += 1;
  }
  return { nodes, edges, rows };
}

/**
 * (e) for one store: build the factory on a fresh Cairn (`openCairn`), time `trace` in-process,
 * then over HTTP against `cairn serve` on the same store.
 */
export async function runTraceBench({ server, janitor, dataDir, databaseUrl, schema, factory, samples, httpSamples, log, noise }) {
  const out = { config: factory, depth: TRACE_DEPTH };
  const policyFile = labPolicyFile(dataDir);
  const cairn = await retryOpen('openCairn', () => server.openCairn({ dataDir, databaseUrl, databaseSchema: schema, host: '127.0.0.1', port: 0, checkpointIntervalMs: 3_600_000, bodyLimit: 1 << 20, logLevel: 'silent', policyFile }), { log });
  let model;
  try {
    const plan = planFactory(factory);
    const built = await buildFactory({ cairn, plan, total: factory.entries, batch: factory.batch, log });
    model = built.model;
    indexModel(model);
    out.build = built.build;
    const b = built.build;
    log(
      `    factory: ${b.entries.toLocaleString('en-US')} entries, ${b.datasets.toLocaleString('en-US')} dataset versions (chains of ${b.maxChainDepth + 1}), ${b.runs.toLocaleString('en-US')} runs, ${b.artifacts.toLocaleString('en-US')} artifacts; ` +
        `built in ${b.wallSeconds.toFixed(1)} s (sample via modules ${b.sample.seconds.toFixed(1)} s; bulk ${Math.round(b.bulk.entriesPerSecInAppend).toLocaleString('en-US')} entries/s inside append, ${b.bulk.transactions} transactions)`,
    );
    out.shape = await shapeCheck(cairn, plan);
    if (out.shape.problems.length) throw new Error(`the bulk rows differ in shape from the modules' rows: ${out.shape.problems.join('; ')}`);
    if (cairn.store.dialect === 'postgres') {
      // A long-lived factory's tables have planner statistics (autovacuum keeps them); a table
      // bulk-filled a minute ago may not have them yet. Same as autovacuum would do, once.
      const { sql } = await import('kysely');
      const a0 = performance.now();
      await sql`analyze`.execute(cairn.store.db);
      out.analyzeSeconds = (performance.now() - a0) / 1000;
    }

    const roots = pickRoots(model, samples * KINDS.length);
    const call = (r) => trace(cairn.store.db, r.key, TRACE_DEPTH);
    for (const r of pickRoots(model, 150)) await call(r); // warm-up (JIT, statement caches, pages)
    // Statements per trace (untimed), mean over 10 random roots of each kind.
    const counted = {};
    for (const r of pickRoots(model, 10 * KINDS.length)) (counted[r.kind] ??= []).push((await countStatements(() => call(r))).statements);
    out.statements = Object.fromEntries(KINDS.map((k) => [k, counted[k].reduce((a, b) => a + b, 0) / counted[k].length]));
    out.statementsMax = Object.fromEntries(KINDS.map((k) => [k, Math.max(...counted[k])]));

    let best;
    const discarded = [];
    for (let attempt = 0; ; attempt += 1) {
      const cpu = new CpuMeter();
      const t = await timeTraces(roots, call);
      t.cpu = cpu.stop();
      const p99 = summarize(t.lat).p99;
      if (!best || (t.cpu?.other ?? 0) < (best.cpu?.other ?? 0)) {
        if (best) discarded.push({ p99: summarize(best.lat).p99, otherCores: best.cpu?.other });
        best = t;
      } else discarded.push({ p99, otherCores: t.cpu?.other });
      if (!noise || (t.cpu?.other ?? 0) <= noise.thresholdCores || attempt >= noise.retries) break;
      log(`    trace timing disturbed by ${t.cpu.other} cores of unrelated load (p99 ${p99.toFixed(2)} ms); measuring again`);
      await noise.waitForQuiet();
    }
    if (discarded.length) out.discardedAttempts = discarded;
    out.cpu = best.cpu;
    out.samples = roots.length;
    out.byKind = perKind(roots, best.lat, best.results);

    // Every timed answer, checked against the model.
    let rawOk = 0;
    for (let i = 0; i < roots.length; i += 1) {
      checkTrace(model, roots[i].key, TRACE_DEPTH, best.results[i]);
      if (!reachesRaw(model, roots[i].key, best.results[i])) throw new Error(`trace of ${roots[i].key} does not reach its chain's raw dataset at the expected depth`);
      rawOk += 1;
    }
    const ledgerChecks = await checkLedgerIndexes(cairn.ledger, model, best.results.slice(0, 60), 300);
    out.verified = { traces: roots.length, reachesRawAtExpectedDepth: rawOk, ...ledgerChecks };
    const a = out.byKind;
    log(
      `    trace (depth ${TRACE_DEPTH}, n=${roots.length}): all p50 ${a.all.ms.p50.toFixed(2)} ms, p99 ${a.all.ms.p99.toFixed(2)} ms; ` +
        KINDS.map((k) => `${k} p50/p99 ${a[k].ms.p50.toFixed(2)}/${a[k].ms.p99.toFixed(2)} ms, ${a[k].meanNodes.toFixed(0)} nodes`).join('; ') +
        `; all verified against the model, ${ledgerChecks.nodes}+${ledgerChecks.edges} node/edge indexes and ${ledgerChecks.rows} projection rows checked against their entries; other load ${out.cpu?.other} cores`,
    );
    best = undefined;
  } finally {
    await cairn.close();
  }

  if (httpSamples > 0) {
    try {
      out.http = await httpTraces({ janitor, dataDir, databaseUrl, schema, model, httpSamples });
      log(`    over HTTP (n=${out.http.samples}): p50 ${out.http.all.ms.p50.toFixed(2)} ms, p99 ${out.http.all.ms.p99.toFixed(2)} ms; ${KINDS.map((k) => `${k} p99 ${out.http[k].ms.p99.toFixed(2)} ms`).join(', ')}; all verified`);
    } catch (err) {
      out.http = { error: err.message };
      log(`    over HTTP: FAILED: ${err.message}`);
    }
  }
  return out;
}

async function httpTraces({ janitor, dataDir, databaseUrl, schema, model, httpSamples }) {
  const cairn = await startCairn({ janitor, dataDir, databaseUrl, schema });
  try {
    const get = async (root) => {
      const [kind, ...rest] = root.key.split(':');
      const r = await request(cairn, 'GET', `/api/v1/trace/${kind}/${encodeURIComponent(rest.join(':'))}?depth=${TRACE_DEPTH}`);
      if (r.status !== 200) throw new Error(`GET trace ${root.key} answered ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
      return JSON.parse(r.body.toString('utf8'));
    };
    for (const r of pickRoots(model, 60)) await get(r);
    const roots = pickRoots(model, httpSamples);
    const t = await timeTraces(roots, get);
    for (let i = 0; i < roots.length; i += 1) checkTrace(model, roots[i].key, TRACE_DEPTH, t.results[i]);
    return { samples: roots.length, ...perKind(roots, t.lat, t.results), verified: roots.length };
  } finally {
    await cairn.stop();
  }
}
