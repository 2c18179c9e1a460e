import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { manifestDigest, type ManifestObject } from '@cairn/verify';
import { PG_URL, Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer, type ServerProcess } from './helpers/spawn-server.js';

/**
 * Issue 12: a valid 58 MB dataset manifest blocked every other request for 4.6 s (peak memory
 * 880 MB). Streamed as NDJSON, it must not: while it is uploaded, small GETs timed from a
 * separate process keep a p99 under 50 ms, and the server's peak RSS stays under 400 MB.
 * The machine is shared, so the upload is measured RUNS times and the median p99 is what is
 * held to the bound (each run's figure is printed, with the p99 of the same GETs in the second
 * before the upload, the machine's own noise). A round that misses it (another test file busy on
 * the same cores) is followed by one more round, judged on its own; the bound itself is fixed.
 *
 * On PostgreSQL the database runs on the same two cores as the test, and its backends do the
 * writing of the 58 MB (WAL, TOAST) beside the backends that answer the GETs: there the bound is
 * held to that noise plus 50 ms, not to 50 ms, because what is measured is then the machine's
 * CPU, not the server's event loop. The embedded store, where server and storage share one
 * process, is held to the absolute bound.
 */
const OBJECTS = 500_000;
const RUNS = 3;
/** Rounds of RUNS at most: a second round only if the first missed the bound. */
const ROUNDS = 2;
const P99_BOUND_MS = 50;
// Flat, not proportional to the manifest: one 58 MB JSON body took the server to 880–1,091 MiB.
// Streamed, the peak was 175–245 MiB on Node 20 and 333 MiB on Node 24 (whose V8 sizes its heap
// more generously), for a server that starts at ~130 MiB.
const RSS_BOUND_BYTES = 400 * 1024 * 1024;
const PROBE = fileURLToPath(new URL('./helpers/latency-probe.js', import.meta.url));

const scratch = new Scratch();
after(async () => {
  killAllServers();
  await scratch.cleanup();
});

/** 500,000 objects, sorted by path, ~116 bytes a line: a 58 MB body. */
function manifest(seed: string): { objects: ManifestObject[]; body: Buffer[] } {
  const objects: ManifestObject[] = [];
  for (let i = 0; i < OBJECTS; i += 1) {
    objects.push({ path: `p/${String(i).padStart(8, '0')}.pq`, size: 1_000_000 + ((i * 7919) % 9_000_000), sha256: crypto.createHash('sha256').update(`${seed}:${i}`).digest('hex') });
  }
  const lines = [JSON.stringify({ name: `large-${seed}`, dataClasses: ['internal'], owner: 'imaging' }), ...objects.map((o) => JSON.stringify(o))];
  const body: Buffer[] = [];
  for (let i = 0; i < lines.length; i += 2000) body.push(Buffer.from(`${lines.slice(i, i + 2000).join('\n')}\n`));
  return { objects, body };
}

/** POSTs the body in pieces, as a client streaming from disk would (chunked, with back-pressure). */
function upload(url: string, token: string, body: Buffer[]): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const target = new URL('/api/v1/datasets', url);
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    let i = 0;
    const pump = () => {
      while (i < body.length) if (!req.write(body[i++]!)) return void req.once('drain', pump);
      req.end();
    };
    pump();
  });
}

interface Sample {
  at: number;
  ms: number;
  status: number;
}

function startProbe(url: string, token: string): Promise<{ stop(): Promise<Sample[]> }> {
  const child = fork(PROBE, [`${url}/api/v1/log/checkpoint`, token, '20000'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = new Promise<Sample[]>((resolve, reject) => {
    child.on('message', (m) => {
      if (typeof m === 'object' && m !== null && 'samples' in m) resolve((m as { samples: Sample[] }).samples);
    });
    child.on('exit', (code) => reject(new Error(`the latency probe exited (${code}) without its samples`)));
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => (m === 'ready' ? resolve({ stop: () => (child.send('stop'), result) }) : reject(new Error(`probe said ${String(m)}`))));
    child.once('error', reject);
  });
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.ceil((p / 100) * values.length) - 1]!;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'VmHWM in /proc/PID/status');
  return Number(m[1]) * 1024;
}

const stores = [{ name: 'sqlite', pg: false }, ...(PG_URL ? [{ name: 'postgres', pg: true }] : [])];

for (const store of stores) {
  describe(`a 58 MB manifest streamed to cairn serve on ${store.name}`, () => {
    it(`leaves other requests a p99 under ${P99_BOUND_MS} ms${store.pg ? ' beyond the machine’s noise' : ''} and the server under 400 MB`, async () => {
      const server: ServerProcess = await spawnServer({ data: scratch.dir(), ...(store.pg ? { databaseUrl: PG_URL, databaseSchema: scratch.schema() } : {}), checkpointInterval: '1s' });
      try {
        const token = server.adminToken();
        const seeded = await fetch(`${server.url}/api/v1/entries`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ entries: [{ kind: 'custom.warmup', body: {} }] }) });
        assert.equal(seeded.status, 201);
        await fetch(`${server.url}/api/v1/log/checkpoint`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        let p99s: number[] = [];
        let idleP99s: number[] = [];
        const bound = () => (store.pg ? median(idleP99s) + P99_BOUND_MS : P99_BOUND_MS);
        for (let run = 0; run < RUNS * ROUNDS; run += 1) {
          if (run > 0 && run % RUNS === 0) {
            // A round missed the bound: the machine may be busy with another test file. One more
            // round of RUNS, judged on its own (every run is printed above).
            if (median(p99s) < bound()) break;
            console.log(`# ${store.name}: round of ${RUNS} missed the bound (median p99 ${median(p99s).toFixed(1)} ms); one more round`);
            p99s = [];
            idleP99s = [];
          }
          const { objects, body } = manifest(`${store.name}-${run}`);
          const bytes = body.reduce((n, b) => n + b.length, 0);
          assert.ok(bytes > 55e6 && bytes < 62e6, `the body is ~58 MB (${bytes})`);
          const probe = await startProbe(server.url, token);
          await new Promise((r) => setTimeout(r, 1300)); // warm-up (300 ms), then one second of the machine's noise
          const from = Date.now();
          const res = await upload(server.url, token, body);
          const to = Date.now();
          const all = await probe.stop();
          const samples = all.filter((s) => s.at >= from && s.at <= to);
          const quiet = all.filter((s) => s.at >= from - 1000 && s.at < from);
          idleP99s.push(percentile(quiet.map((s) => s.ms), 99));
          assert.equal(res.status, 201, JSON.stringify(res.json));
          assert.equal(res.json.digest, manifestDigest(objects), 'the registered digest is the one @cairn/verify computes from the same objects');
          assert.equal(res.json.objectCount, OBJECTS);
          assert.ok(samples.length >= 50, `enough GETs during the upload (${samples.length} in ${to - from} ms)`);
          assert.ok(samples.every((s) => s.status === 200), 'every GET was answered 200');
          const p99 = percentile(samples.map((s) => s.ms), 99);
          p99s.push(p99);
          console.log(`# ${store.name} run ${run + 1}: ${bytes} bytes uploaded in ${to - from} ms; ${samples.length} GETs meanwhile, p50 ${percentile(samples.map((s) => s.ms), 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...samples.map((s) => s.ms)).toFixed(1)} ms (the second before: p99 ${idleP99s.at(-1)!.toFixed(1)} ms)`);
        }
        const rss = peakRss(server.pid);
        console.log(`# ${store.name}: median p99 ${median(p99s).toFixed(1)} ms (before the uploads: ${median(idleP99s).toFixed(1)} ms); server peak RSS (VmHWM) ${(rss / 2 ** 20).toFixed(0)} MiB`);
        assert.ok(median(p99s) < bound(), `median p99 ${median(p99s).toFixed(1)} ms of runs ${p99s.map((p) => p.toFixed(1)).join(', ')}; bound ${bound().toFixed(1)} ms`);
        assert.ok(rss < RSS_BOUND_BYTES, `server peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
      } finally {
        await server.stop();
      }
    });
  });
}
