import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ManifestObjectInput } from '@cairn/sdk';
import cliProgress from 'cli-progress';
import { CliError, EXIT } from './exit-codes.js';

export interface BuiltManifest {
  readonly objects: ManifestObjectInput[];
  readonly totalBytes: number;
}

/** Every regular file under `dir`, relative paths with `/` separators, sorted. Symlinks are refused, not followed. */
function listFiles(dir: string): { rel: string; abs: string; size: number }[] {
  const out: { rel: string; abs: string; size: number }[] = [];
  const visit = (abs: string, rel: string) => {
    for (const d of fs.readdirSync(abs, { withFileTypes: true })) {
      const childAbs = path.join(abs, d.name);
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      if (d.isSymbolicLink()) throw new CliError(EXIT.usage, `${childAbs} is a symbolic link; a manifest lists real files only`, 'manifest_symlink');
      if (d.isDirectory()) visit(childAbs, childRel);
      else if (d.isFile()) out.push({ rel: childRel, abs: childAbs, size: fs.statSync(childAbs).size });
    }
  };
  visit(dir, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

/** SHA-256 of a file, streamed: memory stays flat whatever the file size. */
async function hashFile(file: string, onBytes: (n: number) => void): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    onBytes((chunk as Buffer).length);
  }
  return hash.digest('hex');
}

function bar(totalBytes: number, enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { tick: (_n: number) => {}, stop: () => {} };
  const b = new cliProgress.SingleBar(
    { format: 'hashing [{bar}] {percentage}% {value}/{total} MiB, eta {eta_formatted}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const mib = (n: number) => Math.round((n / (1 << 20)) * 10) / 10;
  b.start(mib(totalBytes), 0);
  let done = 0;
  return {
    tick: (n: number) => {
      done += n;
      b.update(mib(done));
    },
    stop: () => b.stop(),
  };
}

/** Hashes every file under a directory. */
export async function manifestFromDirectory(dir: string, progress: boolean): Promise<BuiltManifest> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new CliError(EXIT.usage, `${dir} is not a directory`, 'not_a_directory');
  const files = listFiles(dir);
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const b = bar(totalBytes, progress);
  const objects: ManifestObjectInput[] = [];
  try {
    for (const f of files) objects.push({ path: f.rel, size: f.size, sha256: await hashFile(f.abs, b.tick) });
  } finally {
    b.stop();
  }
  return { objects, totalBytes };
}

const PRECOMPUTED = /^(\S+)\s+(-?\S+)\s+(.+)$/;

/**
 * A list file, one object per line: either `<sha256> <size> <path-or-uri>` for objects hashed
 * elsewhere (object storage, HDFS), or a local file path to hash. Blank lines and `#` comments
 * are skipped. Problems are reported with their line numbers.
 */
export async function manifestFromList(listFile: string, progress: boolean): Promise<BuiltManifest & { lines: number[] }> {
  let text: string;
  try {
    text = fs.readFileSync(listFile, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.usage, `cannot read ${listFile}: ${(err as Error).message}`, 'file_unreadable');
  }
  const base = path.dirname(listFile);
  const entries: { line: number; precomputed?: ManifestObjectInput; file?: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = PRECOMPUTED.exec(line);
    if (m && /^-?[0-9]+$/.test(m[2]!)) entries.push({ line: i + 1, precomputed: { sha256: m[1]!.toLowerCase(), size: Number(m[2]), path: m[3]! } });
    else entries.push({ line: i + 1, file: path.resolve(base, line) });
  });
  const missing = entries.filter((e) => e.file && !fs.existsSync(e.file));
  if (missing.length > 0) {
    throw new CliError(EXIT.usage, missing.map((e) => `${listFile}:${e.line}: ${e.file} does not exist (expected a file path, or "<sha256> <size> <path>")`).join('\n'), 'manifest_invalid');
  }
  const totalBytes = entries.reduce((n, e) => n + (e.file ? fs.statSync(e.file).size : 0), 0);
  const b = bar(totalBytes, progress);
  const objects: ManifestObjectInput[] = [];
  try {
    for (const e of entries) {
      if (e.precomputed) objects.push(e.precomputed);
      else objects.push({ path: path.relative(base, e.file!).split(path.sep).join('/'), size: fs.statSync(e.file!).size, sha256: await hashFile(e.file!, b.tick) });
    }
  } finally {
    b.stop();
  }
  return { objects, totalBytes: objects.reduce((n, o) => n + Math.max(0, o.size), 0), lines: entries.map((e) => e.line) };
}
