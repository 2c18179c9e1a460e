import {
  CompactRange,
  bytesEqual,
  canonicalize,
  leafHash as hashLeaf,
  parseVerifierKey,
  toHex,
  verifyCheckpoint,
  type NoteVerifier,
} from '@cairn/verify';
import type { Store } from '../store/store.js';

export interface AuditProblem {
  /** What was checked: row, node, leaf, time, checkpoint, head, key. */
  readonly check: string;
  readonly index?: number;
  readonly message: string;
}

export interface AuditReport {
  readonly ok: boolean;
  readonly origin: string | undefined;
  readonly verifierKey: string | undefined;
  readonly treeSize: number;
  readonly entriesChecked: number;
  readonly checkpointsChecked: number;
  readonly latestCheckpoint: { size: number; rootHash: string } | undefined;
  /** The first divergence found; the audit stops there. */
  readonly problem: AuditProblem | undefined;
}

export interface AuditOptions {
  /** Expected verifier key; defaults to the key pinned in the store. Pass it to trust nothing in the store. */
  readonly verifierKey?: string | undefined;
  readonly pageSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

class Divergence extends Error {
  constructor(readonly problem: AuditProblem) {
    super(problem.message);
  }
}

const fail = (check: string, message: string, index?: number): never => {
  throw new Divergence(index === undefined ? { check, message } : { check, index, message });
};

/**
 * Offline audit of a store: recompute every leaf hash and every stored node from the leaf bytes,
 * check that rows are contiguous, leaves canonical and times monotonic, and that every signed
 * checkpoint carries a valid signature and the root recomputed at its size. Checkpoints whose
 * roots are recomputed from one sequence of leaves are consistent with one another by
 * construction, so a fork or a rewritten history cannot pass.
 */
export async function auditStore(store: Store, options: AuditOptions = {}): Promise<AuditReport> {
  const db = store.db;
  const meta = new Map((await db.selectFrom('cairn_meta').selectAll().execute()).map((r) => [r.key, r.value]));
  const origin = meta.get('log.origin');
  const pinnedKey = meta.get('log.verifier_key');
  const head = await db.selectFrom('log_head').select(['size', 'last_time']).where('id', '=', 1).executeTakeFirstOrThrow();
  const treeSize = Number(head.size);
  const checkpoints = await db.selectFrom('log_checkpoints').selectAll().orderBy('size', 'asc').execute();
  const pageSize = options.pageSize ?? 5000;

  let checked = 0;
  let checkpointsChecked = 0;
  let latest: AuditReport['latestCheckpoint'];
  const report = (problem?: AuditProblem): AuditReport => ({
    ok: problem === undefined,
    origin,
    verifierKey: options.verifierKey ?? pinnedKey,
    treeSize,
    entriesChecked: checked,
    checkpointsChecked,
    latestCheckpoint: latest,
    problem,
  });

  try {
    const keyText = options.verifierKey ?? pinnedKey;
    if (!keyText || !origin) fail('key', 'the store has no pinned origin or verifier key');
    if (options.verifierKey && pinnedKey !== options.verifierKey) fail('key', `the store pins key ${pinnedKey}, not the expected ${options.verifierKey}`);
    let verifier: NoteVerifier;
    try {
      verifier = parseVerifierKey(keyText!);
    } catch (err) {
      return fail('key', `verifier key is malformed: ${(err as Error).message}`);
    }

    const range = new CompactRange();
    let lastTime = '';
    let cp = 0;
    const checkCheckpoint = (size: number) => {
      while (cp < checkpoints.length && Number(checkpoints[cp]!.size) === size) {
        const row = checkpoints[cp]!;
        let parsed;
        try {
          parsed = verifyCheckpoint(row.note, verifier, { origin: origin! });
        } catch (err) {
          return fail('checkpoint', `checkpoint at size ${size}: ${(err as Error).message}`);
        }
        const root = range.root();
        if (parsed.size !== size) fail('checkpoint', `checkpoint row ${size} holds a note for size ${parsed.size}`);
        if (!bytesEqual(parsed.rootHash, root) || !bytesEqual(row.root_hash, root)) {
          fail('checkpoint', `signed root at size ${size} is ${toHex(parsed.rootHash)}, the leaves give ${toHex(root)}`);
        }
        latest = { size, rootHash: toHex(root) };
        checkpointsChecked += 1;
        cp += 1;
      }
    };
    if (checkpoints.length > 0 && Number(checkpoints[0]!.size) <= 0) fail('checkpoint', 'a checkpoint of size 0 is stored');

    for (;;) {
      const rows = await db
        .selectFrom('log_entries')
        .selectAll()
        .where('idx', '>=', checked)
        .orderBy('idx', 'asc')
        .limit(pageSize)
        .execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        const i = checked;
        const idx = Number(row.idx);
        if (idx !== i) fail('row', `row ${i} is missing (next row has index ${idx})`, i);
        const leaf = Buffer.from(row.leaf);
        let entry: { kind?: unknown; subject?: unknown; time?: unknown };
        try {
          entry = JSON.parse(leaf.toString('utf8')) as typeof entry;
          if (canonicalize(entry) !== leaf.toString('utf8')) throw new Error('not in RFC 8785 canonical form');
        } catch (err) {
          return fail('leaf', `leaf ${i} is not canonical JSON: ${(err as Error).message}`, i);
        }
        if (entry.kind !== row.kind || (entry.subject ?? null) !== row.subject || entry.time !== row.time) {
          fail('row', `row ${i}'s kind, subject or time columns differ from its leaf`, i);
        }
        if (typeof entry.time !== 'string' || entry.time < lastTime) fail('time', `entry ${i}'s time ${String(entry.time)} is before ${lastTime}`, i);
        lastTime = entry.time as string;
        const nodes = range.append(hashLeaf(leaf));
        const stored = Buffer.from(row.hashes);
        if (stored.length !== nodes.length * 32) fail('node', `row ${i} stores ${stored.length / 32} hashes, expected ${nodes.length}`, i);
        nodes.forEach((h, level) => {
          if (!bytesEqual(h, stored.subarray(level * 32, level * 32 + 32))) {
            fail(level === 0 ? 'leaf' : 'node', level === 0 ? `leaf hash of entry ${i} does not match its bytes` : `node at level ${level} ending at leaf ${i} does not match`, i);
          }
        });
        checked += 1;
        checkCheckpoint(checked);
      }
      options.onProgress?.(checked, treeSize);
    }
    if (checked !== treeSize) fail('head', `the head says ${treeSize} entries, the store holds ${checked}`);
    if (head.last_time !== lastTime) fail('head', `the head's last time ${head.last_time} is not the last entry's ${lastTime}`);
    if (cp < checkpoints.length) fail('checkpoint', `checkpoint at size ${checkpoints[cp]!.size} is beyond the ${checked} stored entries`);
    return report();
  } catch (err) {
    if (err instanceof Divergence) return report(err.problem);
    throw err;
  }
}
