// Shared helpers for the Cairn benchmark: statistics, cleanup of what the bench creates, and the
// machine description. Nothing here touches the packages' internals.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentiles of a list of samples (ms). */
export function summarize(samples) {
  const n = samples.length;
  if (n === 0) return { n: 0 };
  const s = Float64Array.from(samples).sort();
  const pct = (p) => s[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  let sum = 0;
  for (const x of s) sum += x;
  return { n, mean: sum / n, min: s[0], p50: pct(50), p90: pct(90), p99: pct(99), max: s[n - 1] };
}

export const fmtInt = (x) => (x === undefined || x === null || Number.isNaN(x) ? '–' : Math.round(x).toLocaleString('en-US'));
export const fmtMs = (x, digits = 3) => (x === undefined || x === null || Number.isNaN(x) ? '–' : x.toFixed(digits));
export const fmtRatio = (x) => (x === undefined || x === null || Number.isNaN(x) ? '–' : x.toFixed(2));

export function randomSuffix(bytes = 6) {
  return crypto.randomBytes(bytes).toString('hex');
}

/**
 * Everything the run creates that must not outlive it: temp directories, child processes and
 * PostgreSQL schemas. `cleanup()` is idempotent and runs on normal exit, on error and on signals.
 */
export class Janitor {
  #dirs = new Set();
  #children = new Set();
  #schemas = new Map(); // schema -> databaseUrl
  #done = false;

  tempDir(label) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cairn-bench-${label}-`));
    this.#dirs.add(dir);
    return dir;
  }

  child(proc) {
    this.#children.add(proc);
    proc.once('exit', () => this.#children.delete(proc));
    return proc;
  }

  schema(name, databaseUrl) {
    this.#schemas.set(name, databaseUrl);
    return name;
  }

  /** Stops one child we started: SIGTERM (graceful: flush, final checkpoint), SIGKILL after a grace period. */
  async stopChild(proc, graceMs = 15_000) {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async dropSchema(name) {
    const url = this.#schemas.get(name);
    if (!url) return;
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(`drop schema if exists ${name} cascade`);
      this.#schemas.delete(name);
    } finally {
      await client.end();
    }
  }

  async cleanup() {
    if (this.#done) return;
    this.#done = true;
    await Promise.all([...this.#children].map((c) => this.stopChild(c, 5000).catch(() => undefined)));
    for (const name of [...this.#schemas.keys()]) {
      await this.dropSchema(name).catch((err) => console.error(`bench: could not drop schema ${name}: ${err.message}`));
    }
    for (const dir of this.#dirs) fs.rmSync(dir, { recursive: true, force: true });
    this.#dirs.clear();
  }
}

/** CPU, cores, memory, OS, Node; the store versions are added by the caller. */
export function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    /* not Linux */
  }
  let osName = `${os.type()} ${os.release()}`;
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (m) osName = `${m[1]} (kernel ${os.release()})`;
  } catch {
    /* no os-release */
  }
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osName,
    node: process.version,
  };
}

/** fdatasync() calls per second on the temp filesystem: the floor under every durable commit. */
export function fsyncProbe(dir, ms = 500) {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.alloc(4096, 1);
  let n = 0;
  const t0 = performance.now();
  try {
    while (performance.now() - t0 < ms) {
      fs.writeSync(fd, buf, 0, buf.length, 0);
      fs.fdatasyncSync(fd);
      n += 1;
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return n / ((performance.now() - t0) / 1000);
}

const CLK_TCK = 100; // USER_HZ: the unit of /proc/stat and /proc/<pid>/stat times on Linux

/** utime+stime of a process (pid or 'self') in seconds; undefined if unreadable. */
export function processCpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

function postgresCpuSeconds() {
  let sum = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (d.charCodeAt(0) > 57) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (!stat.includes(' (postgres) ')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    } catch {
      /* exited */
    }
  }
  return sum;
}

/**
 * Who used the CPU during a window: the whole machine (from /proc/stat), this process, the
 * server child (if any), PostgreSQL's processes, and everything else ("other": the noise from
 * unrelated work on a shared machine). All in cores (CPU-seconds per second). Linux only.
 */
export class CpuMeter {
  #a;
  #childPid;

  constructor(childPid) {
    this.#childPid = childPid;
    this.#a = this.#sample();
  }

  #sample() {
    try {
      const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      const total = f.reduce((s, x) => s + x, 0);
      const idle = (f[3] ?? 0) + (f[4] ?? 0);
      return {
        t: performance.now(),
        busy: (total - idle) / CLK_TCK,
        self: processCpuSeconds('self'),
        child: this.#childPid ? processCpuSeconds(this.#childPid) : 0,
        pg: postgresCpuSeconds(),
      };
    } catch {
      return undefined;
    }
  }

  stop() {
    const b = this.#sample();
    const a = this.#a;
    if (!a || !b) return undefined;
    const s = (b.t - a.t) / 1000;
    const r = (x) => Math.round(x * 100) / 100;
    const machine = (b.busy - a.busy) / s;
    const self = (b.self - a.self) / s;
    const child = b.child !== undefined && a.child !== undefined ? (b.child - a.child) / s : 0;
    const pg = (b.pg - a.pg) / s;
    return { machine: r(machine), bench: r(self), server: r(child), postgres: r(pg), other: r(Math.max(0, machine - self - child - pg)) };
  }
}

/**
 * Counts the SQL statements `fn` sends to the store, by wrapping the drivers' entry points in
 * this process while `fn` runs: pg.Client#query, and the execution methods of better-sqlite3's
 * Statement (run/all/get/iterate) — not `prepare`, which the store's statement cache skips for
 * statements it has seen. Not used while timing. Returns { statements, texts }.
 */
export async function countStatements(fn) {
  const pg = (await import('pg')).default;
  const { default: Sqlite } = await import('better-sqlite3');
  const texts = [];
  const pgQuery = pg.Client.prototype.query;
  const probe = new Sqlite(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1'));
  probe.close();
  const methods = ['run', 'all', 'get', 'iterate'];
  const originals = Object.fromEntries(methods.map((m) => [m, statementProto[m]]));
  pg.Client.prototype.query = function (q, ...rest) {
    texts.push(typeof q === 'string' ? q : q?.text);
    return pgQuery.call(this, q, ...rest);
  };
  for (const m of methods) {
    statementProto[m] = function (...args) {
      texts.push(this.source);
      return originals[m].apply(this, args);
    };
  }
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = pgQuery;
    for (const m of methods) statementProto[m] = originals[m];
  }
  return { statements: texts.length, texts: texts.map((t) => String(t).replace(/\s+/g, ' ').slice(0, 100)) };
}

/** Opens that had to be retried (see `retryOpen`), for the report. */
export const openRetries = [];

/**
 * On a PostgreSQL database shared with other people's tests, `Store.open` can fail while another
 * process drops its own schema: Kysely's Migrator checks for its tables by introspecting every
 * table of every schema (packages/server/src/store/store.ts `migrate`), and a schema dropped
 * during that query makes it fail ("schema "…" does not exist"). Such an open is retried (and
 * recorded); any other error is not.
 */
export async function retryOpen(what, fn, { attempts = 4, log } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      const text = `${err?.message ?? err}\n${err?.stack ?? ''}`;
      const m = /schema "[^"]+" does not exist|cache lookup failed for [a-z ]+\d+|could not open relation with OID \d+/.exec(text);
      if (!m || attempt >= attempts) throw err;
      openRetries.push({ what, attempt, error: m[0] });
      (log ?? console.log)(`    opening ${what} failed (${m[0]}: another process dropped a schema during Kysely's introspection); retrying`);
      await sleep(250 * attempt);
    }
  }
}

/**
 * A fingerprint of the built code the bench runs (every file under packages/* /dist: path, size,
 * mtime). The working tree is shared: if someone rebuilds during a run, child servers started
 * afterwards run other code than the bench process, and the figures mix versions.
 */
export function distFingerprint() {
  const h = crypto.createHash('sha256');
  const walk = (dir) => {
    let list;
    try {
      list = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of list.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith('.js')) {
        const st = fs.statSync(p);
        h.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  for (const pkg of fs.readdirSync(path.join(ROOT, 'packages')).sort()) walk(path.join(ROOT, 'packages', pkg, 'dist'));
  return h.digest('hex').slice(0, 16);
}
