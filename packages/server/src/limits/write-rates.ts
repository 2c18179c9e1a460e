import { ROLES, type Role } from '../auth/permissions.js';

export interface WriteRate {
  /** Writes refilled per second. */
  readonly perSecond: number;
  /** The bucket's size: writes accepted at once after a quiet spell. */
  readonly burst: number;
}

/** Per-principal write limits: by role (a principal gets its most generous role's), else `default`. */
export interface WriteRates {
  readonly default: WriteRate;
  readonly roles: Readonly<Partial<Record<Role, WriteRate>>>;
}

/**
 * What `cairn serve` applies without `--write-rate`: people at a pace no person types at,
 * service accounts (pipelines) and the bootstrap admin (scripts) above what one process commits.
 */
export const DEFAULT_WRITE_RATE = 'default=50/s,burst=500;service=10000/s,burst=100000;admin=10000/s,burst=100000';

/**
 * Parses `default=50/s,burst=200;service=500/s`: `;`-separated groups, each `NAME=N/s` or
 * `NAME=N/m` with an optional `,burst=M` (default: one second's worth, at least 1). NAME is
 * `default` or a role. Throws an Error naming the offending group.
 */
export function parseWriteRates(spec: string): WriteRates {
  const groups = spec.split(';').map((g) => g.trim()).filter((g) => g.length > 0);
  if (groups.length === 0) throw new Error('expected e.g. default=50/s,burst=200;service=500/s');
  let fallback: WriteRate | undefined;
  const roles: Partial<Record<Role, WriteRate>> = {};
  const seen = new Set<string>();
  for (const group of groups) {
    const m = /^([a-z:-]+)=([0-9]+(?:\.[0-9]+)?)\/(s|m)(?:,burst=([0-9]+))?$/.exec(group);
    if (!m) throw new Error(`"${group}": expected NAME=N/s or NAME=N/m, optionally ,burst=M`);
    const name = m[1]!;
    if (name !== 'default' && !(ROLES as readonly string[]).includes(name)) throw new Error(`"${group}": ${name} is neither default nor a role (${ROLES.join(', ')})`);
    if (seen.has(name)) throw new Error(`"${group}": ${name} is given twice`);
    seen.add(name);
    const perSecond = Number(m[2]) / (m[3] === 'm' ? 60 : 1);
    if (!(perSecond > 0) || perSecond > 1_000_000) throw new Error(`"${group}": the rate must be above 0 and at most 1000000/s`);
    const burst = m[4] === undefined ? Math.max(1, Math.ceil(perSecond)) : Number(m[4]);
    if (burst < 1 || burst > 10_000_000) throw new Error(`"${group}": burst must be between 1 and 10000000`);
    if (name === 'default') fallback = { perSecond, burst };
    else roles[name as Role] = { perSecond, burst };
  }
  return { default: fallback ?? FALLBACK, roles };
}

/** The `default` group when a specification names roles only. */
const FALLBACK: WriteRate = { perSecond: 50, burst: 500 };
