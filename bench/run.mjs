#!/usr/bin/env node
// Cairn benchmark: `npm run bench` (builds first). BENCH_QUICK=1 for a fast smoke run.
//
// Measures, on the embedded SQLite store and on PostgreSQL, side by side in one run:
//   (a) raw baseline inserts of the same leaf bytes, same transactions and chunking;
//   (b) ledger appends through the library at the same batch sizes, and with group commit;
//   (c) appends over HTTP against the real server (child process), 64 keep-alive clients;
//   (d) inclusion and consistency proof latency at 1M entries, every timed proof verified;
//   (e) lineage trace latency over a synthetic AI factory of 1M entries (10k+ dataset versions,
//       60k training runs, derivation chains of 12), every answer checked against a model;
//   (f) OpenLineage ingestion over HTTP (64 / 16 clients) beside the 1-entry append rate of the
//       same server, and `ingestOpenLineage` in-process;
//   (g) rollback latency: deploy v2, roll back to v1, through the registry and deployment modules;
//   (h) compliance packages: export of 10k and 100k entries (time, peak memory of the exporting
//       process) and verifyPackage's throughput against raw SHA-256 of the same bytes;
//   (i) audited reads: an evidence-document GET over HTTP with its access record and without.
//   (j) a 58 MB dataset manifest registered streamed (NDJSON) and as one JSON body: upload time,
//       the server's peak RSS, GET latency meanwhile (bench/manifest-bench.mjs; also runs alone).
// Writes bench/out/results.json and BENCHMARKS.md. See BENCHMARKS.md for the method.
//
// Environment:
//   BENCH_QUICK=1                 smaller sizes and shorter runs (marked QUICK in the report)
//   CAIRN_BENCH_DATABASE_URL      PostgreSQL URL (default postgres://postgres@127.0.0.1:5432/test)
//   BENCH_STORES=sqlite,postgres  which stores to measure (skipping one is stated in the report)
//   BENCH_PROFILE=0               skip the extra CPU-profiled passes: the server after (c), the verifier in (h)
//   BENCH_NO_REPORT=1             do not rewrite BENCHMARKS.md (results.json is still written)
//   BENCH_SECTIONS=trace,openlineage   only these sections (appends,http,profile,proofs,trace,openlineage,rollback,exports,reads,manifests;
//                                 for working on one; the report marks the others as not run)
//   BENCH_SPLICE=1                with BENCH_SECTIONS (and BENCH_STORES): measure only those and put them
//                                 into the existing bench/out/results.json in place of the earlier ones,
//                                 recorded as re-measured (BENCH_SPLICE_REASON says why) in BENCHMARKS.md
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import * as server from '../packages/server/dist/src/index.js';
import { appendLoad, runHttpBench, runHttpCeiling, startCairn } from './http-bench.mjs';
import { CpuMeter, distFingerprint, fsyncProbe, Janitor, machine, openRetries, randomSuffix, retryOpen, ROOT, sleep } from './lib.mjs';
import { printProfile, summarizeProfile } from './profile.mjs';
import { runTraceBench } from './lineage-bench.mjs';
import { runOpenLineageBench } from './openlineage-bench.mjs';
import { runExportBench } from './export-bench.mjs';
import { runReadBench } from './read-bench.mjs';
import { runManifestBench } from './manifest-bench.mjs';
import { runProofBench } from './proof-bench.mjs';
import { runRollbackBench } from './rollback-bench.mjs';
import { renderMarkdown, evaluateTargets, printSummary } from './report.mjs';
import { runStoreBench } from './store-bench.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const DATABASE_URL = process.env.CAIRN_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const STORES = (process.env.BENCH_STORES || 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
const PROFILE = process.env.BENCH_PROFILE !== '0';
const SECTIONS = new Set((process.env.BENCH_SECTIONS || 'appends,http,profile,proofs,trace,openlineage,rollback,exports,reads,manifests').split(',').map((s) => s.trim()).filter(Boolean));
const OUT_DIR = path.join(ROOT, 'bench', 'out');

const CONFIG = {
  quick: QUICK,
  batchSizes: [1, 100, 1000],
  abRounds: QUICK ? 3 : 8,
  abSliceMs: QUICK ? 400 : 750,
  groupCommitMs: QUICK ? 1500 : 4000,
  concurrency: 64,
  httpWarmMs: 1000,
  httpMeasureMs: QUICK ? 3000 : 8000,
  httpEntriesPerRequest: [1, 16],
  proofEntries: QUICK ? 100_000 : 1_000_000,
  proofBuildBatch: 5000,
  proofSamples: QUICK ? 1000 : 2000,
  httpProofSamples: QUICK ? 100 : 300,
  profileMs: QUICK ? 3000 : 6000,
  // (e) the synthetic factory: entries in the log, chains × chainLength dataset versions plus
  // references, runsPerChain runs per chain; built in transactions of `batch` entries.
  factory: QUICK
    ? { entries: 100_000, chains: 100, chainLength: 12, references: 8, runsPerChain: 60, batch: 5000 }
    : { entries: 1_000_000, chains: 1000, chainLength: 12, references: 40, runsPerChain: 60, batch: 5000 },
  traceSamplesPerKind: QUICK ? 300 : 2000,
  httpTraceSamples: QUICK ? 90 : 300,
  // (f) OpenLineage ingestion
  olConcurrencies: [64, 16],
  olInProcessMs: QUICK ? 1500 : 4000,
  ceilingMeasureMs: QUICK ? 2000 : 3000,
  // (h) compliance packages: the two package sizes (one subject each), built in requests of
  // exportBatch; verification and raw hashing alternate exportRounds times, best of each kept.
  exportSizes: QUICK ? [2000, 20_000] : [10_000, 100_000],
  exportBatch: 5000,
  exportRounds: 3,
  // (i) audited reads: evidence GETs with the access record on and off, alternated readRounds times.
  readConcurrencies: [1, 64],
  readRounds: 3,
  readWarmMs: 500,
  readMeasureMs: QUICK ? 1500 : 3000,
  // A shared machine: before each section wait (bounded) for unrelated load to drop below this.
  quietThresholdCores: 0.3,
  quietMaxWaitMs: QUICK ? 5000 : 30_000,
  // …and measure an HTTP window or the proof timing again (at most this often) if it was disturbed.
  noiseRetries: QUICK ? 0 : 2,
  // …but only this long into the run, so a machine that never quietens still finishes in ~15 min.
  noiseCutoffMs: QUICK ? 0 : 9 * 60_000,
};

const janitor = new Janitor();
const log = (line) => console.log(line);
const sectionErrors = [];

function banner(rawLines) {
  const lines = rawLines.map((l) => {
    const first = String(l).split('\n')[0];
    return first.length > 150 ? `${first.slice(0, 147)}...` : first;
  });
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  console.log(`\n${'!'.repeat(width)}`);
  for (const l of lines) console.log(`! ${l.padEnd(width - 4)} !`);
  console.log(`${'!'.repeat(width)}\n`);
}

async function probePostgres(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const q = async (s) => (await client.query(s)).rows[0];
    const version = (await q('show server_version')).server_version;
    const fsync = (await q('show fsync')).fsync;
    const synchronousCommit = (await q('show synchronous_commit')).synchronous_commit;
    const walSyncMethod = (await q('show wal_sync_method')).wal_sync_method;
    const sharedBuffers = (await q('show shared_buffers')).shared_buffers;
    const full = (await q('select version()')).version;
    return { reachable: true, version, full, fsync, synchronousCommit, walSyncMethod, sharedBuffers };
  } catch (err) {
    return { reachable: false, error: err.message || String(err.code ?? err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function sqliteVersion() {
  const dir = janitor.tempDir('probe');
  const store = await server.Store.open({ dataDir: dir });
  try {
    const { sql } = await import('kysely');
    const r = await sql`select sqlite_version() as v`.execute(store.db);
    return r.rows[0].v;
  } finally {
    await store.close();
  }
}

/** A fresh store (temp dir; for PostgreSQL also a fresh schema) with the log's signer. */
async function openFresh(kind, label) {
  const dataDir = janitor.tempDir(`${kind}-${label}`);
  const schema = kind === 'postgres' ? janitor.schema(`cairn_bench_${label}_${randomSuffix()}`, DATABASE_URL) : undefined;
  const databaseUrl = kind === 'postgres' ? DATABASE_URL : undefined;
  return { dataDir, schema, databaseUrl };
}

async function openLedger({ dataDir, schema, databaseUrl }) {
  const store = await retryOpen(`the store${schema ? ` (${schema})` : ''}`, () => server.Store.open({ databaseUrl, dataDir, schema }), { log });
  try {
    const keyFile = path.join(dataDir, 'keys', 'log-ed25519.pem');
    const { signer } = await server.openLogIdentity(store, { keyFile, dataDir });
    return { store, signer, ledger: new server.Ledger(store, signer) };
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function release(place, store) {
  if (store) await store.close().catch(() => undefined);
  if (place.schema) await janitor.dropSchema(place.schema).catch((err) => log(`    could not drop schema ${place.schema}: ${err.message}`));
  fs.rmSync(place.dataDir, { recursive: true, force: true });
}

/**
 * Other people's work on a shared machine distorts every figure. Wait (bounded) until the CPU
 * used by processes that are neither this bench nor PostgreSQL drops below the threshold, and
 * record what it was.
 */
async function waitForQuiet() {
  const t0 = performance.now();
  let other;
  for (;;) {
    const meter = new CpuMeter();
    await sleep(1000);
    other = meter.stop()?.other;
    if (other === undefined || other < CONFIG.quietThresholdCores) break;
    if (performance.now() - t0 > CONFIG.quietMaxWaitMs || (!QUICK && pastCutoff())) {
      log(`    machine still busy with unrelated work (${other} cores); measuring anyway, figures will be depressed`);
      break;
    }
    log(`    waiting for unrelated load to drop (${other} cores busy elsewhere)…`);
    await sleep(1000);
  }
  return { otherCoresAtStart: other, waitedSeconds: Math.round((performance.now() - t0) / 100) / 10 };
}

const RUN_START = performance.now();
const pastCutoff = () => performance.now() - RUN_START > CONFIG.noiseCutoffMs;
const NOISE = {
  thresholdCores: CONFIG.quietThresholdCores,
  get retries() {
    return pastCutoff() ? 0 : CONFIG.noiseRetries;
  },
  waitForQuiet: () => waitForQuiet(),
};

const DIST_AT_START = distFingerprint();
const codeChanges = [];

let currentStore = '';

/** The commit the tree is at, and how many files differ from it (others work in the same tree). */
function gitHead() {
  try {
    const head = execSync('git rev-parse --short HEAD', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain --untracked-files=no -- packages', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n').filter(Boolean).length;
    return { head, modifiedFilesInPackages: dirty };
  } catch {
    return undefined;
  }
}

async function section(result, key, title, fn) {
  log(`  ${title}`);
  const now = distFingerprint();
  if (now !== (codeChanges.at(-1)?.fingerprint ?? DIST_AT_START)) {
    codeChanges.push({ before: `${currentStore ? `${currentStore}: ` : ''}${title}`, at: new Date().toISOString(), fingerprint: now, git: gitHead() });
    log(`    NB: packages/*/dist changed since the last section (someone rebuilt): servers started from now on run other code than this process`);
  }
  const t0 = performance.now();
  try {
    const quiet = await waitForQuiet();
    result[key] = await fn();
    if (result[key] && typeof result[key] === 'object' && !Array.isArray(result[key])) result[key].quiet = quiet;
    else result[`${key}Quiet`] = quiet;
  } catch (err) {
    result[key] = { error: err.stack || String(err) };
    sectionErrors.push(`${currentStore ? `${currentStore}: ` : ''}${title}: ${String(err.message).split('\n').filter(Boolean).slice(0, 2).join(' ')}`);
    log(`    FAILED: ${err.stack || err}`);
  }
  log(`    (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

async function benchStore(kind) {
  const result = { store: kind };
  currentStore = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  log(`\n== ${kind === 'sqlite' ? 'SQLite (embedded, WAL, synchronous=FULL)' : `PostgreSQL (${server.redactUrl(DATABASE_URL)})`} ==`);

  if (SECTIONS.has('appends')) await section(result, 'appends', '(a) raw baseline vs (b) ledger appends, in-process', async () => {
    const place = await openFresh(kind, 'ab');
    let store;
    try {
      const opened = await openLedger(place);
      store = opened.store;
      const r = await runStoreBench({
        store,
        ledger: opened.ledger,
        batchSizes: CONFIG.batchSizes,
        rounds: CONFIG.abRounds,
        sliceMs: CONFIG.abSliceMs,
        groupCommitMs: CONFIG.groupCommitMs,
        concurrency: CONFIG.concurrency,
        log,
        noise: NOISE,
      });
      await opened.ledger.flush();
      return r;
    } finally {
      await release(place, store);
    }
  });

  if (SECTIONS.has('http')) await section(result, 'http', `(c) appends over HTTP, ${CONFIG.concurrency} keep-alive clients`, async () => {
    const place = await openFresh(kind, 'http');
    try {
      return await runHttpBench({
        janitor,
        ...place,
        concurrency: CONFIG.concurrency,
        warmMs: CONFIG.httpWarmMs,
        measureMs: CONFIG.httpMeasureMs,
        log,
        noise: NOISE,
      });
    } finally {
      await release(place);
    }
  });

  if (PROFILE && SECTIONS.has('profile')) {
    await section(result, 'profile', '(c′) CPU profile of the server under the 1-entry HTTP load (separate pass; not a headline figure)', async () => {
      const place = await openFresh(kind, 'prof');
      const profileDir = path.join(OUT_DIR, 'profiles', kind);
      fs.rmSync(profileDir, { recursive: true, force: true });
      fs.mkdirSync(profileDir, { recursive: true });
      try {
        const cairn = await startCairn({ janitor, ...place, profileDir });
        let load;
        let window;
        try {
          const warmMs = 500;
          const from = performance.now() - cairn.spawnedAt + warmMs;
          load = await appendLoad(cairn, { perRequest: 1, concurrency: CONFIG.concurrency, warmMs, measureMs: CONFIG.profileMs, seq0: 30_000_000 });
          window = { fromMs: Math.round(from), toMs: Math.round(from + CONFIG.profileMs) };
        } finally {
          await cairn.stop();
        }
        const file = fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(profileDir, f))[0];
        if (!file) throw new Error('the server wrote no .cpuprofile');
        const summary = summarizeProfile(file, 20, window);
        log(`    under the profiler: ${Math.round(load.durableEntriesPerSec).toLocaleString('en-US')} durable entries/s (1/req), server CPU ${load.serverCpuCores?.toFixed(2)} cores`);
        printProfile(summary, (l) => log(`  ${l}`));
        return { file: path.relative(ROOT, file), durableEntriesPerSec: load.durableEntriesPerSec, serverCpuCores: load.serverCpuCores, cpu: load.cpu, summary };
      } finally {
        await release(place);
      }
    });
  }

  if (SECTIONS.has('proofs')) await section(result, 'proofs', `(d) proofs at ${CONFIG.proofEntries.toLocaleString('en-US')} entries`, async () => {
    const place = await openFresh(kind, 'proof');
    let store;
    try {
      const opened = await openLedger(place);
      store = opened.store;
      return await runProofBench({
        store,
        ledger: opened.ledger,
        signer: opened.signer,
        total: CONFIG.proofEntries,
        batch: CONFIG.proofBuildBatch,
        samples: CONFIG.proofSamples,
        httpSamples: CONFIG.httpProofSamples,
        janitor,
        ...place,
        log,
        noise: NOISE,
      });
    } finally {
      await release(place, store);
    }
  });

  if (SECTIONS.has('trace')) await section(result, 'trace', `(e) lineage traces over a ${CONFIG.factory.entries.toLocaleString('en-US')}-entry factory`, async () => {
    const place = await openFresh(kind, 'trace');
    try {
      return await runTraceBench({
        server,
        janitor,
        ...place,
        factory: CONFIG.factory,
        samples: CONFIG.traceSamplesPerKind,
        httpSamples: CONFIG.httpTraceSamples,
        log,
        noise: NOISE,
      });
    } finally {
      await release(place);
    }
  });

  if (SECTIONS.has('openlineage')) await section(result, 'openlineage', `(f) OpenLineage ingestion, over HTTP (${CONFIG.olConcurrencies.join(' / ')} clients) and in-process`, async () => {
    const place = await openFresh(kind, 'ol');
    try {
      return await runOpenLineageBench({
        server,
        janitor,
        ...place,
        concurrencies: CONFIG.olConcurrencies,
        inProcessMs: CONFIG.olInProcessMs,
        warmMs: CONFIG.httpWarmMs,
        measureMs: CONFIG.httpMeasureMs,
        log,
        noise: NOISE,
      });
    } finally {
      await release(place);
    }
  });
  if (SECTIONS.has('rollback')) await section(result, 'rollback', '(g) rollback latency through the registry and deployment modules', async () => {
    const place = await openFresh(kind, 'rollback');
    try {
      return await runRollbackBench({ ...place, cycles: QUICK ? 50 : 200 });
    } finally {
      await release(place);
    }
  });
  if (SECTIONS.has('exports')) await section(result, 'exports', `(h) compliance packages: export of ${CONFIG.exportSizes.map((n) => n.toLocaleString('en-US')).join(' and ')} entries, verification vs raw SHA-256`, async () => {
    const place = await openFresh(kind, 'exports');
    try {
      return await runExportBench({
        server,
        janitor,
        ...place,
        sizes: CONFIG.exportSizes,
        batch: CONFIG.exportBatch,
        rounds: CONFIG.exportRounds,
        profileDir: PROFILE ? path.join(OUT_DIR, 'profiles', `verify-${kind}`) : undefined,
        log,
        noise: NOISE,
      });
    } finally {
      await release(place);
    }
  });
  if (SECTIONS.has('reads')) await section(result, 'reads', `(i) audited reads: evidence GETs with and without the access record, ${CONFIG.readConcurrencies.join(' / ')} clients`, async () => {
    const place = await openFresh(kind, 'reads');
    try {
      return await runReadBench({ janitor, ...place, concurrencies: CONFIG.readConcurrencies, rounds: CONFIG.readRounds, warmMs: CONFIG.readWarmMs, measureMs: CONFIG.readMeasureMs, log, noise: NOISE });
    } finally {
      await release(place);
    }
  });
  if (SECTIONS.has('manifests')) await section(result, 'manifests', '(j) a 58 MB dataset manifest: streamed (NDJSON) vs one JSON body', async () => {
    const place = await openFresh(kind, 'manifests');
    try {
      return await runManifestBench({ janitor, ...place, objects: QUICK ? 100_000 : 500_000, log });
    } finally {
      await release(place);
    }
  });
  return result;
}

async function main() {
  const started = new Date();
  log(`Cairn benchmark${QUICK ? ' — QUICK MODE (smaller sizes, shorter runs; not the reference figures)' : ''}`);
  const m = machine();
  m.sqlite = await sqliteVersion();
  const probeDir = janitor.tempDir('fsync');
  m.fdatasyncPerSec = Math.round(fsyncProbe(probeDir));
  const pgInfo = STORES.includes('postgres') ? await probePostgres(DATABASE_URL) : { reachable: false, skipped: true, error: 'skipped: BENCH_STORES does not include postgres' };
  m.postgres = pgInfo.reachable ? pgInfo.version : undefined;
  try {
    m.loadAverageAtStart = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    m.loadAverageAtStart = [];
  }
  log(`${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, SQLite ${m.sqlite}, PostgreSQL ${m.postgres ?? 'n/a'}; fdatasync ${m.fdatasyncPerSec}/s; load average ${m.loadAverageAtStart.join(' ')}`);
  if (!pgInfo.reachable) {
    banner(
      pgInfo.skipped
        ? ['PostgreSQL NOT MEASURED: skipped because BENCH_STORES excludes it.']
        : [
            `PostgreSQL IS UNREACHABLE at ${server.redactUrl(DATABASE_URL)}: ${pgInfo.error}`,
            'Every PostgreSQL figure below is MISSING. Set CAIRN_BENCH_DATABASE_URL or start PostgreSQL.',
          ],
    );
  }

  let results = {
    date: started.toISOString(),
    git: gitHead(),
    quick: QUICK,
    config: CONFIG,
    sections: [...SECTIONS],
    machine: m,
    postgres: { url: server.redactUrl(DATABASE_URL), ...pgInfo },
    stores: {},
  };
  log('\n== HTTP ceiling of this machine: the same load generator against servers that do nothing ==');
  if (SECTIONS.has('http')) await section(results, 'httpCeiling', `(c0) ${CONFIG.concurrency} keep-alive clients vs a null node:http server and a bare Fastify server`, () =>
    runHttpCeiling({ janitor, concurrency: CONFIG.concurrency, warmMs: 500, measureMs: CONFIG.ceilingMeasureMs, log }),
  );
  for (const kind of ['sqlite', 'postgres']) {
    if (!STORES.includes(kind)) {
      results.stores[kind] = { skipped: 'excluded by BENCH_STORES' };
      continue;
    }
    if (kind === 'postgres' && !pgInfo.reachable) {
      results.stores[kind] = { unreachable: pgInfo.error };
      continue;
    }
    results.stores[kind] = await benchStore(kind);
  }
  results.finished = new Date().toISOString();
  results.durationSeconds = (Date.now() - started.getTime()) / 1000;
  results.targets = evaluateTargets(results);
  results.errors = sectionErrors;
  results.openRetries = openRetries;
  const distAtEnd = distFingerprint();
  if (distAtEnd !== (codeChanges.at(-1)?.fingerprint ?? DIST_AT_START)) codeChanges.push({ before: 'the end of the run', at: new Date().toISOString(), fingerprint: distAtEnd });
  results.code = { distAtStart: DIST_AT_START, changes: codeChanges };

  if (process.env.BENCH_SPLICE === '1') results = spliceInto(results);

  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (process.env.BENCH_NO_REPORT !== '1') fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), renderMarkdown(results));
  printSummary(results, log);
  log(`\nwrote bench/out/results.json${process.env.BENCH_NO_REPORT === '1' ? '' : ' and BENCHMARKS.md'} (${results.durationSeconds.toFixed(0)} s)`);
  if (!pgInfo.reachable && !pgInfo.skipped) {
    banner([`PostgreSQL WAS UNREACHABLE (${pgInfo.error}): no PostgreSQL figures in this run.`]);
    process.exitCode = 3;
  }
  if (codeChanges.length > 0) {
    banner([`The built code (packages/*/dist) CHANGED during this run (${codeChanges.length}×, first before ${codeChanges[0].before}):`, 'figures may mix versions; run again on a quiet tree.']);
  }
  if (sectionErrors.length > 0) {
    banner(['Some measurements FAILED:', ...sectionErrors]);
    process.exitCode = 1;
  }
}

/**
 * BENCH_SPLICE=1: the sections just measured replace the same sections of the existing
 * bench/out/results.json (same stores only); the rest of that run stays as it was. The report
 * lists every re-measured section with its time and reason.
 */
function spliceInto(fresh) {
  const file = path.join(OUT_DIR, 'results.json');
  const base = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (base.quick !== fresh.quick) throw new Error('BENCH_SPLICE: the existing results.json is from a run of the other mode (QUICK vs full)');
  base.resplices ??= [];
  for (const [kind, res] of Object.entries(fresh.stores)) {
    if (res.skipped || res.unreachable) continue;
    for (const key of [...SECTIONS]) {
      if (!(key in res)) continue;
      base.stores[kind][key] = res[key];
      base.resplices.push({
        store: kind,
        section: key,
        at: fresh.date,
        reason: process.env.BENCH_SPLICE_REASON || 'not given',
        error: res[key]?.error ? String(res[key].error).split('\n')[0] : undefined,
        git: fresh.git,
        code: fresh.code,
      });
    }
  }
  base.openRetries = [...(base.openRetries ?? []), ...(fresh.openRetries ?? [])];
  base.targets = evaluateTargets(base);
  // Failures: those of the merged result, recomputed.
  const titles = { appends: '(a)/(b) appends', http: '(c) HTTP', profile: '(c′) profile', proofs: '(d) proofs', trace: '(e) traces', openlineage: '(f) OpenLineage', rollback: '(g) rollback', exports: '(h) exports', reads: '(i) audited reads', manifests: '(j) manifests' };
  base.errors = [];
  for (const [kind, res] of Object.entries(base.stores)) {
    for (const [key, title] of Object.entries(titles)) {
      if (res?.[key]?.error) base.errors.push(`${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${title}: ${String(res[key].error).split('\n').filter(Boolean).slice(0, 2).join(' ')}`);
    }
  }
  sectionErrors.length = 0;
  sectionErrors.push(...base.errors);
  return base;
}

// A closed stdout (e.g. `npm run bench | head`) must not skip the cleanup.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
process.on('uncaughtException', (err) => {
  try {
    console.error(`bench: uncaught: ${err?.stack || err}`);
  } catch {
    /* stderr gone */
  }
  janitor.cleanup().finally(() => process.exit(1));
});

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${sig}: cleaning up (child processes, temp dirs, PostgreSQL schemas)…`);
    janitor.cleanup().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (err) {
  console.error(`bench failed: ${err.stack || err}`);
  process.exitCode = 1;
} finally {
  await janitor.cleanup();
}
