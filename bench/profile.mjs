// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by origin (which
// package or runtime part the code belongs to), and inclusive time of a few Cairn functions.
// Usage: node bench/profile.mjs FILE.cpuprofile [top]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function origin(url, fn) {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const pkg = /packages\/([^/]+)\/dist\/src\/(.+?)\.js/.exec(url);
  if (pkg) return `@cairn/${pkg[1]}:${pkg[2]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[1] ?? url.slice(5)}`;
  return url;
}

/**
 * `window` ({ fromMs, toMs }, relative to the start of profiling) keeps only the samples taken
 * under load, so start-up (module loading, schema compilation) and shutdown do not dilute it.
 */
export function summarizeProfile(file, top = 25, window = undefined) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  let total = 0;
  let clock = 0; // µs since the profile started
  for (let i = 0; i < prof.samples.length; i += 1) {
    const dt = prof.timeDeltas[i] ?? 0;
    clock += dt;
    if (window && (clock < window.fromMs * 1000 || clock > window.toMs * 1000)) continue;
    self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const byFn = new Map();
  const byOrigin = new Map();
  const inclusive = new Map();
  for (const [id, t] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    const o = origin(cf.url, name);
    const key = `${name} ${o}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    byFn.set(key, (byFn.get(key) ?? 0) + t);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + t);
    // Inclusive time: charge every distinct (function, origin) on the stack once.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const c = byId.get(cur).callFrame;
      const k = `${c.functionName || '(anonymous)'} ${origin(c.url, c.functionName)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + t);
    }
  }
  const idle = (byOrigin.get('(idle)') ?? 0);
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  const pct = (t) => (100 * t) / total;
  return {
    file,
    window,
    totalMs: total / 1000,
    busyPct: pct(total - idle),
    selfByOrigin: sorted(byOrigin).slice(0, top).map(([k, t]) => ({ origin: k, ms: t / 1000, pct: pct(t) })),
    selfByFunction: sorted(byFn).slice(0, top).map(([k, t]) => ({ fn: k, ms: t / 1000, pct: pct(t) })),
    inclusive: sorted(inclusive)
      .filter(([k]) => /@cairn\/|kysely|better-sqlite3|pg |fastify|ajv|pino|node:crypto/.test(k))
      .slice(0, top)
      .map(([k, t]) => ({ fn: k, ms: t / 1000, pct: pct(t) })),
  };
}

export function printProfile(s, print = console.log) {
  const w = s.window ? ` (samples ${(s.window.fromMs / 1000).toFixed(1)}–${(s.window.toMs / 1000).toFixed(1)} s after start only)` : '';
  print(`  profile ${path.basename(s.file)}: ${s.totalMs.toFixed(0)} ms sampled${w}, ${s.busyPct.toFixed(1)}% not idle`);
  print('  self time by origin:');
  for (const r of s.selfByOrigin) print(`    ${r.pct.toFixed(1).padStart(5)}%  ${r.origin}`);
  print('  self time by function:');
  for (const r of s.selfByFunction) print(`    ${r.pct.toFixed(1).padStart(5)}%  ${r.fn}`);
  print('  inclusive time (Cairn and its libraries):');
  for (const r of s.inclusive) print(`    ${r.pct.toFixed(1).padStart(5)}%  ${r.fn}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top, from, to] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/profile.mjs FILE.cpuprofile [top] [fromMs toMs]');
    process.exit(2);
  }
  printProfile(summarizeProfile(file, Number(top ?? 25), from !== undefined ? { fromMs: Number(from), toMs: Number(to ?? Infinity) } : undefined));
}
