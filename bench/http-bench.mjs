// (c) the real server as a child process, loaded over node:http with keep-alive connections.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import * as verify from '../packages/verify/dist/src/index.js';
import { CpuMeter, retryOpen, ROOT, summarize } from './lib.mjs';
import { requestBodies } from './workload.mjs';

const BIN = path.join(ROOT, 'packages/cli/dist/src/bin.js');

/**
 * Starts `cairn serve` on an ephemeral port and resolves once it prints its URL. With
 * `profileDir`, the child runs under `--cpu-prof` (the profile is written when it exits).
 */
export function startCairn(options) {
  return retryOpen('the server', () => startCairnOnce(options));
}

/** The JSON log lines in `text` (a partial last line is skipped). */
function notices(text) {
  return text.split('\n').flatMap((line) => {
    try {
      return line.startsWith('{') ? [JSON.parse(line)] : [];
    } catch {
      return [];
    }
  });
}

async function startCairnOnce({ janitor, dataDir, databaseUrl, schema, profileDir, env = {}, serveArgs = [] }) {
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const args = [...nodeArgs, BIN, 'serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'warn', ...serveArgs];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  if (schema) args.push('--database-schema', schema);
  const childEnv = { ...process.env, ...env };
  for (const k of ['CAIRN_DATABASE_URL', 'CAIRN_DATABASE_SCHEMA', 'CAIRN_KEY_FILE', 'CAIRN_LISTEN', 'CAIRN_DATA']) delete childEnv[k];
  const spawnedAt = performance.now();
  const proc = janitor.child(spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 30 s:\n${stderr}`)), 30_000);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
      // The start-up notice is a JSON log line: { msg: 'Cairn listening on URL', url, logKey, … }.
      const url = notices(stderr).find((l) => l.msg?.startsWith('Cairn listening on ') && l.url)?.url;
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
  const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 });
  return {
    proc,
    spawnedAt,
    url,
    token,
    agent,
    stderr: () => stderr,
    async stop() {
      agent.destroy();
      await janitor.stopChild(proc);
      return { exitCode: proc.exitCode, signal: proc.signalCode };
    },
  };
}

/** One HTTP request; resolves with the status and the full body. */
export function request(cairn, method, pathAndQuery, body) {
  const u = new URL(cairn.url);
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${cairn.token}` };
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = body.length;
    }
    const req = http.request({ agent: cairn.agent, host: u.hostname, port: u.port, method, path: pathAndQuery, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Closed-loop load: `concurrency` clients, each sending its next request as soon as the last one
 * answered, for warmMs + measureMs. Only responses that complete inside the measurement window
 * count; entries count only from 201 responses (the server answers 201 once they are durable).
 */
export async function appendLoad(cairn, { perRequest, concurrency, warmMs, measureMs, seq0, path: urlPath = '/api/v1/entries' }) {
  const bodies = requestBodies(perRequest === 1 ? 512 : 128, perRequest, seq0);
  const statuses = {};
  const errors = {};
  const lat = [];
  const treeSizes = new Set(); // one per transaction: every request of a transaction reports its size
  const buckets = new Array(Math.ceil(measureMs / 1000)).fill(0);
  let ok = 0;
  let okEntries = 0;
  let responses = 0;
  let ackedTotal = 0; // every 201 of the run, window or not: the tree must have grown by this much
  let badBodies = 0;
  let k = 0;
  const t0 = performance.now();
  const mStart = t0 + warmMs;
  const mEnd = mStart + measureMs;
  let meter;
  let cpu;
  const timers = [
    setTimeout(() => (meter = new CpuMeter(cairn.proc.pid)), warmMs),
    setTimeout(() => (cpu = meter?.stop()), warmMs + measureMs),
  ];

  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < mEnd) {
        const body = bodies[k++ % bodies.length];
        const s = performance.now();
        let status;
        let resBody;
        try {
          const r = await request(cairn, 'POST', urlPath, body);
          status = r.status;
          resBody = r.body;
        } catch (err) {
          status = `error:${err.code ?? err.message}`;
        }
        const e = performance.now();
        const inWindow = e >= mStart && e < mEnd;
        if (status === 201) {
          ackedTotal += perRequest;
          const parsed = JSON.parse(resBody.toString('utf8'));
          if (parsed.entries?.length !== perRequest) badBodies += 1;
          if (inWindow) treeSizes.add(parsed.treeSize);
        }
        if (inWindow) {
          responses += 1;
          lat.push(e - s);
          if (status === 201) {
            ok += 1;
            okEntries += perRequest;
            buckets[Math.floor((e - mStart) / 1000)] += perRequest;
          } else if (typeof status === 'number') {
            statuses[status] = (statuses[status] ?? 0) + 1;
          } else {
            errors[status] = (errors[status] ?? 0) + 1;
          }
        }
      }
    }),
  );
  for (const t of timers) clearTimeout(t);
  if (!cpu && meter) cpu = meter.stop(); // the stop timer can fire late on a loaded machine
  const seconds = measureMs / 1000;
  return {
    perRequest,
    concurrency,
    warmSeconds: warmMs / 1000,
    seconds,
    durableEntriesPerSec: okEntries / seconds,
    requestsPerSec: responses / seconds,
    created: ok,
    non201: statuses,
    errors,
    badBodies,
    ackedTotal,
    transactions: treeSizes.size,
    meanBatchEntries: treeSizes.size ? okEntries / treeSizes.size : undefined,
    perSecond: buckets,
    latencyMs: summarize(lat),
    cpu,
    serverCpuCores: cpu?.server,
    clientCpuCores: cpu?.bench,
  };
}

/** Signs a checkpoint now and returns its (verified) size: the durable tree size (0 if the log is empty). */
export async function checkpointSize(cairn) {
  const key = JSON.parse((await request(cairn, 'GET', '/api/v1/log/key')).body.toString('utf8'));
  const res = await request(cairn, 'POST', '/api/v1/log/checkpoint');
  if (res.status === 404 && /log_empty/.test(res.body.toString('utf8'))) return 0;
  if (res.status !== 200) throw new Error(`POST /api/v1/log/checkpoint answered ${res.status}: ${res.body}`);
  const cp = verify.verifyCheckpoint(res.body.toString('utf8'), key.verifierKey, { origin: key.origin });
  return cp.size;
}

/** (c) for one store: a fresh server, 1 entry per request, then 16. */
export async function runHttpBench({ janitor, dataDir, databaseUrl, schema, concurrency, warmMs, measureMs, profileDir, log, noise }) {
  const cairn = await startCairn({ janitor, dataDir, databaseUrl, schema, profileDir });
  const out = { url: cairn.url, modes: [] };
  try {
    let seq0 = 20_000_000;
    for (const perRequest of [1, 16]) {
      // On a shared machine, a window disturbed by unrelated load is measured again (bounded);
      // the quietest attempt is kept and the others are recorded.
      const attempts = [];
      let r;
      let before;
      let size;
      for (let attempt = 0; ; attempt += 1) {
        // The server may write entries of its own (token issuance, policy bootstrap): compare growth.
        const b0 = await checkpointSize(cairn);
        const a = await appendLoad(cairn, { perRequest, concurrency, warmMs, measureMs, seq0 });
        seq0 += 1_000_000;
        const s1 = await checkpointSize(cairn);
        a.treeSizeBefore = b0;
        a.treeSizeAfter = s1;
        a.treeGrowth = s1 - b0;
        a.treeMatchesAcks = s1 - b0 === a.ackedTotal;
        attempts.push(a);
        if (!r || (a.cpu?.other ?? 0) < (r.cpu?.other ?? 0)) {
          r = a;
          before = b0;
          size = s1;
        }
        const disturbed = noise && (a.cpu?.other ?? 0) > noise.thresholdCores;
        if (!disturbed || attempt >= noise.retries) break;
        log(`    ${perRequest}/req: ${Math.round(a.durableEntriesPerSec).toLocaleString('en-US')}/s with ${a.cpu.other} cores of unrelated load; measuring again`);
        await noise.waitForQuiet();
      }
      const acked = r.ackedTotal;
      if (attempts.length > 1) r.discardedAttempts = attempts.filter((x) => x !== r).map((x) => ({ durableEntriesPerSec: x.durableEntriesPerSec, otherCores: x.cpu?.other }));
      if (attempts.some((x) => !x.treeMatchesAcks)) r.treeMatchesAcks = false;
      out.modes.push(r);
      const non = Object.entries({ ...r.non201, ...r.errors }).map(([k, v]) => `${k}×${v}`).join(', ') || 'none';
      log(
        `    ${String(perRequest).padStart(2)}/req: ${Math.round(r.durableEntriesPerSec).toLocaleString('en-US').padStart(7)} durable entries/s, ` +
          `${Math.round(r.requestsPerSec).toLocaleString('en-US')} req/s, p50 ${r.latencyMs.p50?.toFixed(2)} ms, p99 ${r.latencyMs.p99?.toFixed(2)} ms, ` +
          `non-201: ${non}; mean batch ${r.meanBatchEntries?.toFixed(1)} entries/txn; CPU cores: server ${r.cpu?.server}, client ${r.cpu?.bench}, postgres ${r.cpu?.postgres}, other ${r.cpu?.other}; ` +
          `tree grew ${size - before} ${r.treeMatchesAcks ? '= acked entries' : `≠ acked entries ${acked}`}`,
      );
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    const exit = await cairn.stop();
    out.serverExit = exit;
    const tail = cairn.stderr().split('\n').filter((l) => l && !notices(l).some((n) => n.level === 30)); // all but the info notices
    if (tail.length > 0) out.serverStderr = tail.slice(-20);
  }
  return out;
}

/**
 * The ceiling of this machine and load generator: the same clients against servers that do no
 * work (node:http, and bare Fastify), answering 201 with a response of the same shape.
 */
export async function runHttpCeiling({ janitor, concurrency, warmMs, measureMs, log }) {
  const out = [];
  for (const kind of ['node:http', 'fastify']) {
    const proc = janitor.child(spawn(process.execPath, [path.join(ROOT, 'bench', 'null-server.mjs'), kind], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    const url = await new Promise((resolve, reject) => {
      proc.stderr.setEncoding('utf8');
      proc.stderr.on('data', (d) => {
        stderr += d;
        const m = /listening on (\S+)/.exec(stderr);
        if (m) resolve(m[1]);
      });
      proc.once('exit', (code) => reject(new Error(`null server exited ${code}: ${stderr}`)));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 });
    const target = { url, token: 'none', proc, agent };
    try {
      for (const perRequest of [1, 16]) {
        const r = await appendLoad(target, { perRequest, concurrency, warmMs, measureMs, seq0: 40_000_000 });
        out.push({ server: kind, perRequest, requestsPerSec: r.requestsPerSec, entriesPerSec: r.durableEntriesPerSec, latencyMs: r.latencyMs, cpu: r.cpu });
        log(
          `    ${kind.padEnd(9)} ${String(perRequest).padStart(2)}/req: ${Math.round(r.requestsPerSec).toLocaleString('en-US').padStart(7)} req/s = ${Math.round(r.durableEntriesPerSec).toLocaleString('en-US')} entries/s, ` +
            `p50 ${r.latencyMs.p50?.toFixed(2)} ms, p99 ${r.latencyMs.p99?.toFixed(2)} ms; CPU cores: server ${r.cpu?.server}, client ${r.cpu?.bench}, other ${r.cpu?.other}`,
        );
      }
    } finally {
      agent.destroy();
      await janitor.stopChild(proc, 2000);
    }
  }
  return out;
}
