import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What a client trusts about one log: its key and the latest checkpoint it has verified. */
export interface TrustedLog {
  readonly url: string;
  readonly origin: string;
  readonly verifierKey: string;
  readonly checkpoint?: { readonly size: number; readonly rootHash: string; readonly note: string } | undefined;
}

export interface TrustStore {
  load(url: string): TrustedLog | undefined;
  save(state: TrustedLog): void;
}

export class MemoryTrustStore implements TrustStore {
  readonly #states = new Map<string, TrustedLog>();
  load(url: string): TrustedLog | undefined {
    return this.#states.get(url);
  }
  save(state: TrustedLog): void {
    this.#states.set(state.url, state);
  }
}

/** The user's config directory for Cairn: `$CAIRN_CONFIG_DIR`, else `$XDG_CONFIG_HOME/cairn`, else `~/.config/cairn`. */
export function defaultConfigDir(): string {
  if (process.env['CAIRN_CONFIG_DIR']) return process.env['CAIRN_CONFIG_DIR'];
  const base = process.env['XDG_CONFIG_HOME'] || path.join(os.homedir(), '.config');
  return path.join(base, 'cairn');
}

/**
 * One JSON file per server URL under `<config>/trust/`, written atomically (write, then rename),
 * so an interrupted run never leaves a half-written trust state.
 */
export class FileTrustStore implements TrustStore {
  readonly dir: string;

  constructor(dir = path.join(defaultConfigDir(), 'trust')) {
    this.dir = dir;
  }

  fileFor(url: string): string {
    return path.join(this.dir, `${crypto.createHash('sha256').update(url).digest('hex').slice(0, 24)}.json`);
  }

  load(url: string): TrustedLog | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.fileFor(url), 'utf8')) as TrustedLog;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Every log trusted so far, by URL.
   *
   * @example
   * for (const log of new FileTrustStore().list()) console.log(log.url, log.checkpoint?.size);
   */
  list(): TrustedLog[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => /^[0-9a-f]{24}\.json$/.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.map((n) => JSON.parse(fs.readFileSync(path.join(this.dir, n), 'utf8')) as TrustedLog).sort((a, b) => a.url.localeCompare(b.url));
  }

  /**
   * Forgets what was trusted about `url` (its key and checkpoint), so that the next run trusts
   * the server anew. Returns what was forgotten, or undefined if nothing was trusted.
   *
   * @example
   * new FileTrustStore().forget('https://cairn.internal:8443');
   */
  forget(url: string): TrustedLog | undefined {
    const state = this.load(url);
    if (state) fs.rmSync(this.fileFor(url));
    return state;
  }

  save(state: TrustedLog): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileFor(state.url);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
}
