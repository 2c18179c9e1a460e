#!/usr/bin/env node
// One measurement of (h) in a process of its own, so that its peak memory is its own: started by
// bench/export-bench.mjs with one JSON argument, it prints one JSON line and exits.
//
//   {"mode":"export", dataDir, databaseUrl?, schema?, subject, out}
//       opens the store the parent built (Store + Ledger + Exports: no policy bootstrap, no token,
//       so the export's request and completion entries and the checkpoint covering them are all
//       it writes), exports the subject's entries to `out`, and reports time, size and memory.
//   {"mode":"verify", file, key, rounds, chunkSize, raw?}
//       alternates verifyPackage(file, { key }), raw SHA-256 of the file's bytes (read `chunkSize`
//       at a time, as the verifier reads) and the hash-call floor, `rounds` times each (raw: false,
//       verification only; `window` is when the last one ran, in ms since the process started,
//       for a profile).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CpuMeter } from './lib.mjs';

const args = JSON.parse(process.argv[2] ?? '{}');

/** Peak resident set of this process so far, in bytes (getrusage ru_maxrss is in KiB on Linux). */
const maxRss = () => process.resourceUsage().maxRSS * 1024;

function sampler() {
  const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  return {
    peak,
    sample() {
      const m = process.memoryUsage();
      for (const k of Object.keys(peak)) if (m[k] > peak[k]) peak[k] = m[k];
    },
  };
}

async function exportOne({ dataDir, databaseUrl, schema, subject, out }) {
  const server = await import('../packages/server/dist/src/index.js');
  const { Exports } = await import('../packages/server/dist/src/exports/exporter.js');
  const store = await server.Store.open({ databaseUrl, dataDir, schema });
  try {
    const { signer } = await server.openLogIdentity(store, { keyFile: path.join(dataDir, 'keys', 'log-ed25519.pem'), dataDir });
    const ledger = new server.Ledger(store, signer);
    const exports = new Exports(store, ledger);
    const sizeBefore = await ledger.size();
    const before = { rss: process.memoryUsage().rss, maxRss: maxRss(), heapUsed: process.memoryUsage().heapUsed };
    const mem = sampler();
    const fd = fs.openSync(out, 'w');
    // Measured here, while this process and its PostgreSQL connection are alive to be told apart.
    const cpu = new CpuMeter();
    const t0 = performance.now();
    let firstByteMs;
    let bytes = 0;
    let chunks = 0;
    let started;
    try {
      started = await exports.start({ id: 'bench', type: 'user', auth: 'token' }, { scope: { kind: 'subject', subject }, reason: 'bench (h)' });
      const startedMs = performance.now() - t0;
      mem.sample();
      for await (const chunk of started.body) {
        if (firstByteMs === undefined) firstByteMs = performance.now() - t0;
        fs.writeSync(fd, chunk);
        bytes += chunk.length;
        chunks += 1;
        mem.sample();
      }
      const seconds = (performance.now() - t0) / 1000;
      const load = cpu.stop();
      mem.sample();
      const record = await exports.get(started.record.id);
      return {
        subject,
        entries: record.entries,
        state: record.state,
        sha256: record.sha256,
        size: record.size,
        bytesWritten: bytes,
        chunks,
        estimatedSize: started.estimatedSize,
        checkpointSize: record.checkpointSize,
        logSizeBefore: sizeBefore,
        logSizeAfter: await ledger.size(),
        verifierKey: signer.verifierKey,
        seconds,
        startMs: startedMs,
        firstByteMs,
        memory: { before, peakSampled: mem.peak, maxRss: maxRss() },
        cpu: load,
      };
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    await store.close();
  }
}

/** SHA-256 of the file, read into one reused buffer `chunkSize` bytes at a time. */
function rawHash(file, chunkSize) {
  const buf = Buffer.allocUnsafe(chunkSize);
  const fd = fs.openSync(file, 'r');
  const h = crypto.createHash('sha256');
  let bytes = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, chunkSize, null);
      if (n === 0) break;
      h.update(n === chunkSize ? buf : buf.subarray(0, n));
      bytes += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { bytes, sha256: h.digest('hex') };
}

/**
 * The hashing every verifier of this format has to do, and nothing else: one SHA-256 per member
 * (the digest manifest.json and sha256sums list), each entry's leaf once more as 0x00 ‖ leaf
 * (RFC 9162 §2.1.1), and one interior node per entry (consecutive leaves share their proof
 * paths: @cairn/verify's InclusionVerifier, which remembers the last path, hashes one node per
 * leaf on average), each a crypto.hash call as a verifier in Node makes it. The tar is walked by
 * its size fields only.
 */
function hashFloor(file, chunkSize) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(chunkSize);
  const node = Buffer.alloc(65, 1);
  let pos = 0;
  let end = 0;
  const ensure = (n) => {
    if (end - pos >= n) return true;
    buf.copy(buf, 0, pos, end);
    end -= pos;
    pos = 0;
    while (end < n) {
      const k = fs.readSync(fd, buf, end, buf.length - end, null);
      if (k === 0) return false;
      end += k;
    }
    return true;
  };
  let members = 0;
  try {
    while (ensure(512) && buf[pos] !== 0) {
      const size = parseInt(buf.toString('latin1', pos + 124, pos + 135), 8);
      const nameLength = buf.indexOf(0, pos) - pos;
      const json = nameLength === 25 && buf[pos + 21] === 0x6a; // entries/NNNNNNNNNNNN.json
      const proof = nameLength === 31 && buf[pos + 21] === 0x74; // entries/NNNNNNNNNNNN.tlog-proof
      pos += 512;
      const padded = Math.ceil(size / 512) * 512;
      if (padded <= buf.length && ensure(padded)) {
        crypto.hash('sha256', buf.subarray(pos, pos + size), 'binary');
        if (json) crypto.hash('sha256', buf.subarray(pos - 1, pos + size), 'binary'); // the header's last byte is 0
        if (proof) crypto.hash('sha256', node, 'binary');
        pos += padded;
      } else {
        const h = crypto.createHash('sha256');
        for (let left = padded; left > 0; ) {
          if (pos === end && !ensure(1)) throw new Error('truncated');
          const n = Math.min(left, end - pos);
          h.update(buf.subarray(pos, pos + Math.min(n, Math.max(0, size - (padded - left)))));
          pos += n;
          left -= n;
        }
        h.digest();
      }
      members += 1;
    }
  } finally {
    fs.closeSync(fd);
  }
  return members;
}

async function verifyOne({ file, key, rounds, chunkSize, raw: hashRaw = true }) {
  const verify = await import('../packages/verify/dist/src/index.js');
  const rssBefore = process.memoryUsage().rss;
  const raw = [];
  const ver = [];
  const floor = [];
  let floorMembers;
  let digest;
  let result;
  let window;
  let verifierMaxRss;
  const cpu = new CpuMeter();
  // Interleaved, so that a burst of unrelated load hits both sides alike; the best of each is kept.
  // Verification comes first, so that the peak RSS after it is the verifier's own.
  for (let r = 0; r < rounds; r += 1) {
    let t = performance.now();
    result = await verify.verifyPackage(file, { key });
    window = [t, performance.now()];
    ver.push((window[1] - t) / 1000);
    verifierMaxRss ??= maxRss();
    if (!result.ok) break;
    if (hashRaw) {
      t = performance.now();
      digest = rawHash(file, chunkSize).sha256;
      raw.push((performance.now() - t) / 1000);
      t = performance.now();
      floorMembers = hashFloor(file, chunkSize);
      floor.push((performance.now() - t) / 1000);
    }
  }
  return {
    bytes: fs.statSync(file).size,
    sha256: digest,
    rawSeconds: raw,
    floorSeconds: floor,
    floorMembers,
    verifySeconds: ver,
    window,
    cpu: cpu.stop(),
    ok: result.ok,
    failure: result.ok ? undefined : result.failure,
    summary: result.ok ? { entries: result.summary.entries.count, files: result.summary.files, bytes: result.summary.bytes, pinned: result.summary.key.pinned } : undefined,
    memory: { rssBefore, maxRss: verifierMaxRss, maxRssAll: maxRss() },
  };
}

const run = { export: exportOne, verify: verifyOne }[args.mode];
if (!run) {
  console.error(`export-child: unknown mode ${JSON.stringify(args.mode)}`);
  process.exit(2);
}
try {
  const answer = await run(args);
  process.stdout.write(`${JSON.stringify(answer)}\n`);
} catch (err) {
  console.error(err?.stack ?? String(err));
  process.exitCode = 1;
}
