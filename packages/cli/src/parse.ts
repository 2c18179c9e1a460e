import { InvalidArgumentError } from 'commander';

/** A non-negative integer argument (indices, sizes). */
export function parseIndex(value: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('too large');
  return n;
}

/** A duration: `250ms`, `1s`, `2m`, or plain milliseconds. */
export function parseDuration(value: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a duration such as 500ms, 1s or 2m');
  const n = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[(m[2] ?? 'ms') as 'ms' | 's' | 'm'];
  if (n < 10) throw new InvalidArgumentError('must be at least 10ms');
  return Math.round(n);
}

/** `HOST:PORT`, `:PORT` or `PORT`. IPv6 hosts in brackets: `[::1]:8080`. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:]+\]|[^:]*):)?([0-9]{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:8080');
  const host = m[1] ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
  return { host, port };
}

/** A byte size: `1048576`, `512kb`, `4mb`. */
export function parseBytes(value: string): number {
  const m = /^([0-9]+)(b|kb|mb)?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a size such as 1048576, 512kb or 4mb');
  return Number(m[1]) * ({ b: 1, kb: 1024, mb: 1024 * 1024 } as const)[(m[2]?.toLowerCase() ?? 'b') as 'b' | 'kb' | 'mb'];
}

/** A token lifetime in seconds: 90m, 24h, 30d, or plain seconds. */
export function parseTtl(value: string): number {
  const m = /^([0-9]+)(s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a lifetime such as 90m, 24h or 30d');
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600, d: 86400 } as const)[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}

/** A comma-separated list: `a,b,c`. */
export function parseList(value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return items;
}
