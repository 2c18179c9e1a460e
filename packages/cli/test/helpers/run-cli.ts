import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `cairn` entry point (this file compiles to packages/cli/dist/test/helpers/). */
export const CLI_BIN = fileURLToPath(new URL('../../src/bin.js', import.meta.url));

/** Variables the CLI and server read; stripped so the developer's shell cannot leak into a test. */
const CAIRN_VARS = [
  'CAIRN_URL',
  'CAIRN_TOKEN',
  'CAIRN_TOKEN_FILE',
  'CAIRN_CONFIG_DIR',
  'CAIRN_DATA',
  'CAIRN_LISTEN',
  'CAIRN_DATABASE_URL',
  'CAIRN_DATABASE_SCHEMA',
  'CAIRN_KEY_FILE',
  'CAIRN_CA_FILE',
  'CAIRN_CLIENT_CERT',
  'CAIRN_CLIENT_KEY',
  'CAIRN_TLS_CERT',
  'CAIRN_TLS_KEY',
  'CAIRN_TLS_CLIENT_CA',
  'CAIRN_TLS_CLIENT_PRINCIPALS',
  'CAIRN_LISTENERS',
  'XDG_CONFIG_HOME',
];

/** A clean environment for a child `cairn`, with `extra` on top (`undefined` removes a variable). */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CAIRN_VARS) delete env[name];
  env['CAIRN_LOG_LEVEL'] = 'silent';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for `--json` runs); throws with the whole output if it is not JSON. */
  json<T = any>(): T;
}

/**
 * Runs `cairn ARGS` as a child process and collects its output. Never rejects on a non-zero
 * exit: tests assert the exit code. `env` must carry CAIRN_CONFIG_DIR so the trust store is the
 * test's own (see childEnv).
 */
export function runCli(args: readonly string[], options: { env: Record<string, string | undefined>; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`cairn ${args.join(' ')} did not print JSON (exit ${code}):\nstdout: ${stdout}\nstderr: ${stderr}`);
          }
        },
      });
    });
  });
}

/** A one-line description of a run for assertion messages. */
export function describeRun(args: readonly string[], r: CliResult): string {
  return `cairn ${args.join(' ')} → exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`;
}
