import { existsSync, readFileSync, statSync } from 'node:fs';
import { describeFailure, describeSummary } from './cli-report.js';
import { fromBase64, fromHex } from './encoding.js';
import { verifyPackage } from './package.js';
import type { VerifyPackageOptions } from './package.js';
import { parseVerifierKey } from './verifier-key.js';

/** Where the CLI writes; the defaults are the process's streams. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Progress is shown only on a terminal. */
  readonly stderrIsTTY: boolean;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

// Progress is worth showing from this size on.
const PROGRESS_FROM = 64 << 20;

const HELP = `Usage: cairn-verify FILE.tar [options]

Verifies a Cairn compliance package (cairn-export/v1) offline: the archive, the signed
checkpoint, the signed manifest and every file's SHA-256, each entry's inclusion proof,
the evidence the entries commit to and the signatures on the lineage bundles.

Options:
  --key VKEY|@FILE          the log's verifier key as you obtained it independently of the
                            package (name+keyid+base64, one line; @FILE reads it from a file).
                            Without it the package's own key is used and the result says so.
  --checkpoint FILE         a newer signed checkpoint of the same log (the text of
                            GET /api/v1/log/checkpoint); needs --consistency-proof.
  --consistency-proof FILE  the consistency proof from the package's tree size to the newer
                            checkpoint's: the JSON of GET /api/v1/log/proof/consistency?from=N&to=M,
                            or one hash per line (hex or base64). Proves the newer checkpoint
                            extends the package's (RFC 9162 section 2.1.4.2).
  --json                    print one JSON object: {"ok":true,"summary":{...}} or
                            {"ok":false,"failure":{"file","check","message"}}.
  --quiet                   print nothing on success, only the failure.
  --help                    print this help.
  --version                 print the version.

Exit codes:
  0  the package verified
  1  verification failed; the first failure is printed as FAILED: <file>: <check>: <message>
  2  usage error: unknown option, missing or unreadable file, key or proof
`;

class UsageError extends Error {}

interface Args {
  file: string;
  key?: string;
  checkpoint?: string;
  proof?: string;
  json: boolean;
  quiet: boolean;
}

/**
 * Runs `cairn-verify` with the given arguments (without `node` and the script) and returns
 * the exit code.
 *
 * @example
 * process.exitCode = runCli(process.argv.slice(2));
 */
export function runCli(argv: readonly string[], io: CliIo = processIo()): number {
  let args: Args | 'help' | 'version';
  let options: VerifyPackageOptions;
  try {
    args = parseArgs(argv);
    if (args === 'help') {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (args === 'version') {
      io.stdout(`cairn-verify ${version()}\n`);
      return EXIT_OK;
    }
    options = readOptions(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`cairn-verify: ${err.message}\nRun cairn-verify --help for usage.\n`);
    return EXIT_USAGE;
  }

  const size = statSync(args.file).size;
  let shown = false;
  if (io.stderrIsTTY && !args.json && !args.quiet && size >= PROGRESS_FROM) {
    options = {
      ...options,
      onProgress: (done, total) => {
        shown = true;
        io.stderr(`\rverifying ${args.file}: ${Math.floor((100 * done) / total)}% of ${(total / 2 ** 20).toFixed(0)} MiB`);
      },
    };
  }
  const result = verifyPackage(args.file, options);
  if (shown) io.stderr('\r\x1b[K');

  if (args.json) {
    io.stdout(`${JSON.stringify(result)}\n`);
  } else if (!result.ok) {
    const failure = { ...result.failure, file: result.failure.file.replace('(newer checkpoint)', args.checkpoint ?? '').replace('(consistency proof)', args.proof ?? '') };
    io.stdout(describeFailure(failure));
  } else if (!args.quiet) {
    io.stdout(describeSummary(args.file, result.summary));
  }
  return result.ok ? EXIT_OK : EXIT_FAILED;
}

function parseArgs(argv: readonly string[]): Args | 'help' | 'version' {
  const files: string[] = [];
  const args: Omit<Args, 'file'> = { json: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--help':
      case '-h':
        return 'help';
      case '--version':
      case '-V':
        return 'version';
      case '--json':
      case '--quiet':
        if (eq > 0) throw new UsageError(`${name} takes no value`);
        args[name === '--json' ? 'json' : 'quiet'] = true;
        break;
      case '--key':
        args.key = value();
        break;
      case '--checkpoint':
        args.checkpoint = value();
        break;
      case '--consistency-proof':
        args.proof = value();
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${name}`);
        files.push(arg);
    }
  }
  if (files.length !== 1) throw new UsageError(files.length === 0 ? 'no package given' : `one package at a time, got ${files.length}`);
  if ((args.checkpoint === undefined) !== (args.proof === undefined)) {
    throw new UsageError('--checkpoint and --consistency-proof go together');
  }
  return { ...args, file: files[0] as string };
}

/** Reads the files the arguments name; anything unreadable is a usage error. */
function readOptions(args: Args): VerifyPackageOptions {
  if (!existsSync(args.file)) throw new UsageError(`${args.file}: no such file`);
  if (!statSync(args.file).isFile()) throw new UsageError(`${args.file}: not a file`);
  const options: { -readonly [K in keyof VerifyPackageOptions]: VerifyPackageOptions[K] } = {};
  if (args.key !== undefined) options.key = readKey(args.key);
  if (args.checkpoint !== undefined && args.proof !== undefined) {
    options.newerCheckpoint = readFile(args.checkpoint, 'checkpoint');
    options.consistencyProof = readProof(args.proof);
  }
  return options;
}

/** `--key`: a verifier key, `@FILE`, or (if it is not a key) a file holding one. */
function readKey(value: string): string {
  let key = value;
  if (value.startsWith('@') || (!isVerifierKey(value) && existsSync(value))) {
    const text = readFile(value.startsWith('@') ? value.slice(1) : value, 'key').toString('utf8');
    key = text.endsWith('\n') ? text.slice(0, -1) : text;
    if (key.endsWith('\r')) key = key.slice(0, -1);
    if (key.includes('\n')) throw new UsageError(`--key ${value}: the file holds more than one line`);
  }
  if (!isVerifierKey(key)) throw new UsageError(`--key ${value}: not a verifier key (name+keyid+base64)`);
  return key;
}

function isVerifierKey(value: string): boolean {
  try {
    parseVerifierKey(value);
    return true;
  } catch {
    return false;
  }
}

/** The API's `{"from","to","hashes"}` or one hash per line, each in hex or base64. */
function readProof(path: string): NonNullable<VerifyPackageOptions['consistencyProof']> {
  const text = readFile(path, 'consistency proof').toString('utf8').trim();
  // The API writes hashes in hex; base64 is accepted too (the two cannot be confused: 32 bytes
  // are 64 hex digits or 44 base64 characters).
  const decode = (hash: unknown, n: number): Uint8Array => {
    if (typeof hash === 'string' && /^[0-9a-fA-F]{64}$/.test(hash)) return fromHex(hash);
    try {
      return fromBase64(hash as string);
    } catch {
      throw new UsageError(`${path}: hash ${n + 1} is neither hex nor base64`);
    }
  };
  if (text.startsWith('{')) {
    let body: { from?: unknown; to?: unknown; hashes?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new UsageError(`${path}: not JSON`);
    }
    const { from, to, hashes } = body;
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || !Array.isArray(hashes)) {
      throw new UsageError(`${path}: not a consistency proof {"from":N,"to":M,"hashes":[...]}`);
    }
    return { from: from as number, to: to as number, hashes: hashes.map(decode) };
  }
  return text === '' ? [] : text.split(/\r?\n/).map((line, n) => decode(line.trim(), n));
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
