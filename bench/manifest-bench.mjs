// (j) Large dataset manifests: a 500,000-object (~58 MB) manifest registered through `cairn serve`,
// streamed as NDJSON and, for comparison, as one JSON body (the old path, accepted only with a
// raised --body-limit). For each: upload time, the server's peak RSS, and the latency of small
// GETs timed from a separate process meanwhile. Issue 12 found the JSON path blocking every other
// request for 4.6 s with a peak of 880 MB.
//
// Run alone: `node bench/manifest-bench.mjs` (after `npm run build`; CAIRN_BENCH_DATABASE_URL as
// for run.mjs, BENCH_STORES=sqlite to skip PostgreSQL): measures and rewrites section (j) of
// BENCHMARKS.md with machine, date and commit (BENCH_MANIFEST_MODES=ndjson: the streamed route only). `npm run bench` includes it (section `manifests`).
import { execSync, fork } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestDigest } from '../packages/verify/dist/src/index.js';
import { startCairn } from './http-bench.mjs';
import { fmtInt, fmtMs, Janitor, machine, randomSuffix, ROOT } from './lib.mjs';

const PROBE = fileURLToPath(new URL('./manifest-probe.mjs', import.meta.url));
const MODES = (process.env.BENCH_MANIFEST_MODES || 'ndjson,json').split(',');

function objectsOf(seed, n) {
  const objects = [];
  for (let i = 0; i < n; i += 1) objects.push({ path: `p/${String(i).padStart(8, '0')}.pq`, size: 1_000_000 + ((i * 7919) % 9_000_000), sha256: crypto.createHash('sha256').update(`${seed}:${i}`).digest('hex') });
  return objects;
}

function bodyOf(mode, metadata, objects) {
  if (mode === 'json') return [Buffer.from(JSON.stringify({ ...metadata, objects }))];
  const lines = [JSON.stringify(metadata), ...objects.map((o) => JSON.stringify(o))];
  const body = [];
  for (let i = 0; i < lines.length; i += 2000) body.push(Buffer.from(`${lines.slice(i, i + 2000).join('\n')}\n`));
  return body;
}

function post(cairn, contentType, body) {
  return new Promise((resolve, reject) => {
    const u = new URL('/api/v1/datasets', cairn.url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { authorization: `Bearer ${cairn.token}`, 'content-type': contentType } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    let i = 0;
    const pump = () => {
      while (i < body.length) if (!req.write(body[i++])) return void req.once('drain', pump);
      req.end();
    };
    pump();
  });
}

const status = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function probe(cairn) {
  const child = fork(PROBE, [`${cairn.url}/api/v1/log/checkpoint`, cairn.token], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => child.once('message', resolve));
  const result = new Promise((resolve) => child.on('message', (m) => m?.samples && resolve(m.samples)));
  return { stop: () => (child.send('stop'), result) };
}

/** One store: a fresh server per mode (so its peak RSS is that upload's), the same store. */
export async function runManifestBench({ janitor, dataDir, databaseUrl, schema, objects: n = 500_000, log = console.log }) {
  const out = { objects: n };
  for (const mode of MODES) {
    const objects = objectsOf(`${mode}-${randomSuffix()}`, n);
    const body = bodyOf(mode, { name: `bench-${mode}`, dataClasses: ['internal'], owner: 'bench' }, objects);
    const bytes = body.reduce((s, b) => s + b.length, 0);
    const cairn = await startCairn({ janitor, dataDir, databaseUrl, schema, serveArgs: mode === 'json' ? ['--body-limit', '128mb'] : [] });
    try {
      await post(cairn, 'application/json', [Buffer.from(JSON.stringify({ name: 'warm-up', dataClasses: ['internal'], objects: [{ path: 'x', size: 1, sha256: 'a'.repeat(64) }] }))]).catch(() => undefined);
      const rssBefore = status(cairn.proc.pid, 'VmRSS');
      const p = await probe(cairn);
      await new Promise((r) => setTimeout(r, 300));
      const from = Date.now();
      const res = await post(cairn, mode === 'json' ? 'application/json' : 'application/x-ndjson', body);
      const to = Date.now();
      const samples = (await p.stop()).filter((s) => s.at >= from && s.at <= to);
      const peak = status(cairn.proc.pid, 'VmHWM');
      if (res.status !== 201) throw new Error(`${mode}: ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
      const digestOk = res.json.digest === manifestDigest(objects);
      if (!digestOk) throw new Error(`${mode}: digest ${res.json.digest} is not manifestDigest of the objects`);
      const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
      out[mode] = { bytes, seconds: (to - from) / 1000, rssBeforeMiB: rssBefore, peakRssMiB: peak, gets: ms.length, getP50: pct(ms, 0.5), getP99: pct(ms, 0.99), getMax: ms.at(-1), non200: samples.filter((s) => s.status !== 200).length, digestOk };
      log(`    ${mode}: ${fmtInt(bytes)} bytes in ${out[mode].seconds.toFixed(2)} s; server RSS ${fmtInt(rssBefore)} → peak ${fmtInt(peak)} MiB; ${ms.length} GETs meanwhile: p50 ${fmtMs(out[mode].getP50, 1)} ms, p99 ${fmtMs(out[mode].getP99, 1)} ms, max ${fmtMs(out[mode].getMax, 1)} ms`);
    } finally {
      await cairn.stop();
    }
  }
  return out;
}

const STORE_NAMES = { sqlite: 'SQLite (embedded)', postgres: 'PostgreSQL' };

/** Section (j) of BENCHMARKS.md. */
export function renderManifestSection(results, provenance) {
  const lines = ['### (j) large dataset manifests: streamed (NDJSON) vs one JSON body', ''];
  if (provenance) lines.push(`Measured on its own by \`node bench/manifest-bench.mjs\` on ${provenance.date} at commit ${provenance.commit}, on ${provenance.machine.cpu}, ${provenance.machine.cores} cores, ${provenance.machine.memoryGiB} GiB, ${provenance.machine.os}, Node.js ${provenance.machine.node} — not the machine of the full run above — while it was shared with other work (load average ${provenance.load} at the end).`, '');
  lines.push(
    "A manifest of 500,000 objects (`p/NNNNNNNN.pq`, sorted, ~116 bytes a line: 58 MB as NDJSON or as JSON) registered through `cairn serve` with the bootstrap admin token, the body sent in pieces with back-pressure (node:http, chunked). A fresh server process per mode on the same store, so its peak RSS (`VmHWM`) is that upload's; RSS before is after start-up and one small registration. Meanwhile a separate process times `GET /api/v1/log/checkpoint` one at a time, 5 ms apart; only requests sent during the upload count. The registered digest must equal `manifestDigest` (@cairn/verify) of the same objects. **ndjson** is the streamed route (lines checked and hashed in a worker thread, stored in ~64 KiB pieces); **json** is the whole-body route, which accepts this size only with `--body-limit 128mb` (its limit is 8 MiB by default now). Targets (issue 12): other requests' p99 under 50 ms, bounded memory.",
    '',
    '| Store | mode | body MB | upload s | server RSS MiB: before → peak | GETs during upload | GET p50 / p99 / max ms | non-200 | digest |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const kind of ['sqlite', 'postgres']) {
    const r = results[kind];
    if (!r || r.error || r.skipped) {
      lines.push(`| ${STORE_NAMES[kind]} | – | – | – | – | – | – | – | ${r?.error ? `failed: ${String(r.error).split('\n')[0].slice(0, 120)}` : 'not run'} |`);
      continue;
    }
    for (const mode of MODES) {
      const m = r[mode];
      lines.push(`| ${STORE_NAMES[kind]} | ${mode} | ${(m.bytes / 1e6).toFixed(1)} | **${m.seconds.toFixed(2)}** | ${fmtInt(m.rssBeforeMiB)} → **${fmtInt(m.peakRssMiB)}** | ${fmtInt(m.gets)} | ${fmtMs(m.getP50, 1)} / **${fmtMs(m.getP99, 1)}** / ${fmtMs(m.getMax, 1)} | ${m.non200} | ${m.digestOk ? 'equal' : 'DIFFERS'} |`);
    }
  }
  const measured = ['sqlite', 'postgres'].map((k) => results[k]).filter((r) => r && !r.error && !r.skipped);
  const range = (mode, key) => {
    const v = measured.map((r) => r[mode]?.[key]).filter((x) => typeof x === 'number');
    return v.length ? `${fmtInt(Math.min(...v))}–${fmtInt(Math.max(...v))}` : '–';
  };
  if (measured.some((r) => r.json) && measured.some((r) => r.ndjson)) {
    lines.push('', `One JSON body holds the event loop while the server parses, validates, sorts and canonicalises it: the longest GET waited ${range('json', 'getMax')} ms, and the server peaked at ${range('json', 'peakRssMiB')} MiB. Streamed, it peaked at ${range('ndjson', 'peakRssMiB')} MiB and the slowest GET took ${range('ndjson', 'getMax')} ms; the machine's own noise is in these figures (\`packages/cli/test/large-manifest.test.ts\` prints the p99 with and without an upload, and holds the median of three runs to 50 ms).`);
  }
  lines.push('');
  return lines;
}

/** Rewrites section (j) of BENCHMARKS.md in place (or adds it before the profile section). */
function writeSection(lines) {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const text = fs.readFileSync(file, 'utf8');
  const block = `${lines.join('\n')}\n`;
  const start = text.indexOf('### (j) large dataset manifests');
  if (start !== -1) {
    const end = text.slice(start + 4).search(/\n#{2,3} /);
    fs.writeFileSync(file, text.slice(0, start) + block + (end === -1 ? '' : text.slice(start + 4 + end + 1)));
    return;
  }
  const at = text.indexOf("### Where the server's time goes");
  fs.writeFileSync(file, at === -1 ? `${text}\n${block}` : text.slice(0, at) + block + '\n' + text.slice(at));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const janitor = new Janitor();
  const stores = (process.env.BENCH_STORES || 'sqlite,postgres').split(',');
  const url = process.env.CAIRN_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const results = {};
  try {
    for (const kind of ['sqlite', 'postgres']) {
      if (!stores.includes(kind)) {
        results[kind] = { skipped: true };
        continue;
      }
      console.log(`${STORE_NAMES[kind]}:`);
      const dataDir = janitor.tempDir(`manifests-${kind}`);
      const schema = kind === 'postgres' ? janitor.schema(`cairn_bench_manifests_${randomSuffix()}`, url) : undefined;
      try {
        results[kind] = await runManifestBench({ janitor, dataDir, databaseUrl: kind === 'postgres' ? url : undefined, schema });
      } catch (err) {
        results[kind] = { error: err.stack || String(err) };
        console.error(`    FAILED: ${err.stack || err}`);
        process.exitCode = 1;
      }
    }
    const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
    const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    writeSection(renderManifestSection(results, { date: new Date().toISOString(), commit, machine: machine(), load }));
    console.log('wrote section (j) of BENCHMARKS.md');
  } finally {
    await janitor.cleanup();
  }
}
