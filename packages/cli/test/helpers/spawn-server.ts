import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI_BIN, childEnv } from './run-cli.js';

export interface ServeOptions {
  readonly data: string;
  /** `HOST:PORT`; default `127.0.0.1:0` (a free port, read back from the banner). */
  readonly listen?: string;
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly origin?: string | undefined;
  /** Default 200ms, so checkpoints are signed while a test runs. */
  readonly checkpointInterval?: string;
  /** More `cairn serve` flags (TLS, listeners, --fix-permissions). */
  readonly extraArgs?: readonly string[];
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A `cairn serve` child process that has printed its banner. */
export interface ServerProcess {
  readonly url: string;
  /** With --listeners: each listener's URL by name. */
  readonly listeners: Readonly<Record<string, string>>;
  readonly port: number;
  readonly pid: number;
  readonly data: string;
  readonly exited: Promise<Exit>;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** The bootstrap admin token in `DATA/admin-token`. */
  adminToken(): string;
  /**
   * SIGTERM (graceful: pending appends finish, a last checkpoint is signed); resolves on exit.
   * A server still running after `timeoutMs` is SIGKILLed, so the exit then shows that signal.
   */
  stop(timeoutMs?: number): Promise<Exit>;
  /** SIGKILL: the process dies wherever it is; resolves on exit. */
  kill(): Promise<Exit>;
}

const live = new Set<ChildProcess>();

/** The start-up notice `cairn serve` writes to stderr: a JSON log line whose `msg` is "Cairn listening on URL". */
export function bannerOf(stderr: string): { url: string; logKey: string } | undefined {
  // The banner comes after the listener lines of a --listeners file: once it is there, they are too.
  const banner = noticesOf(stderr).find((l) => typeof l.msg === 'string' && l.msg.startsWith('Cairn listening on ') && l.url && l.logKey);
  return banner && { url: banner.url as string, logKey: banner.logKey as string };
}

/** The JSON notice lines `cairn serve` wrote so far. */
function noticesOf(stderr: string): Record<string, unknown>[] {
  return stderr.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return []; // a partial line: the rest has not arrived yet
    }
  });
}

/**
 * SIGKILLs every server this process spawned that is still running. Call it from an `after`
 * hook: a test that fails half-way must not leave a server whose open pipes keep the test file
 * (and the whole run) from ever exiting.
 */
export function killAllServers(): void {
  for (const child of live) child.kill('SIGKILL');
}

process.on('exit', killAllServers);

function serveArgs(options: ServeOptions): string[] {
  const args = [CLI_BIN, 'serve', '--data', options.data, '--listen', options.listen ?? '127.0.0.1:0', '--log-level', 'silent'];
  args.push('--checkpoint-interval', options.checkpointInterval ?? '200ms');
  if (options.databaseUrl) args.push('--database-url', options.databaseUrl);
  if (options.databaseSchema) args.push('--database-schema', options.databaseSchema);
  if (options.keyFile) args.push('--key-file', options.keyFile);
  if (options.origin) args.push('--origin', options.origin);
  args.push(...(options.extraArgs ?? []));
  return args;
}

function launch(options: ServeOptions): { child: ChildProcess; exited: Promise<Exit>; stderr: () => string } {
  const child = spawn(process.execPath, serveArgs(options), { env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, exited, stderr: () => stderr };
}

/** Spawns `cairn serve` and resolves once it listens; rejects (with its stderr) if it exits first. */
export async function spawnServer(options: ServeOptions, timeoutMs = 30_000): Promise<ServerProcess> {
  const { child, exited, stderr } = launch(options);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cairn serve did not listen within ${timeoutMs} ms:\n${stderr()}`));
    }, timeoutMs);
    const onData = () => {
      const banner = bannerOf(stderr());
      if (banner) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(banner.url);
      }
    };
    child.stderr!.on('data', onData);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`cairn serve exited (code ${e.code}, signal ${e.signal}) before listening:\n${stderr()}`));
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async (timeoutMs = 20_000) => {
    if (running()) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const exit = await exited;
    clearTimeout(timer);
    return exit;
  };
  const listeners = Object.fromEntries(noticesOf(stderr()).filter((l) => l.listener && l.url).map((l) => [l.listener as string, l.url as string]));
  return {
    url,
    listeners,
    port: Number(new URL(url).port),
    pid: child.pid!,
    data: options.data,
    exited,
    stderr,
    adminToken: () => fs.readFileSync(path.join(options.data, 'admin-token'), 'utf8').trim(),
    stop,
    kill: () => {
      if (running()) child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Spawns `cairn serve` expecting it to refuse to start; resolves with its exit and stderr. */
export async function spawnServerExpectingFailure(options: ServeOptions, timeoutMs = 30_000): Promise<Exit & { stderr: string; listened: boolean }> {
  const { child, exited, stderr } = launch(options);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let listened = false;
  child.stderr!.on('data', () => {
    if (!listened && bannerOf(stderr())) {
      listened = true;
      child.kill('SIGKILL');
    }
  });
  const exit = await exited;
  clearTimeout(timer);
  return { ...exit, stderr: stderr(), listened };
}
