// The entries every part of the bench appends: a realistic evidence record (an artifact digest
// produced by a pipeline step), ~250–300 bytes of canonical leaf JSON once the ledger has added
// the actor and the time.
import crypto from 'node:crypto';

export const KIND = 'custom.artifact';

/** The in-process writer, shaped like an actor the HTTP API records for a service token. */
export const ACTOR = Object.freeze({ id: 'svc-ci', type: 'service', auth: 'token', tokenId: 'tok_Bq3xZ0kq7LmN' });

const STAGES = ['ingest', 'train', 'evaluate', 'package', 'deploy'];

/** EntryInput number `seq` (deterministic, every digest distinct). */
export function entryInput(seq) {
  const digest = crypto.createHash('sha256').update(`artifact-${seq}`).digest('hex');
  return {
    kind: KIND,
    subject: `run/r-${String(seq % 9973).padStart(5, '0')}`,
    body: { sha256: digest, size: 1_048_576 + (seq % 65_536), stage: STAGES[seq % STAGES.length], seq },
  };
}

/** A batch of `n` inputs starting at `seq`. */
export function entryInputs(seq, n) {
  const out = new Array(n);
  for (let i = 0; i < n; i += 1) out[i] = entryInput(seq + i);
  return out;
}

/** Pre-serialised POST /api/v1/entries bodies of `perRequest` entries each. */
export function requestBodies(count, perRequest, seq0 = 0) {
  const out = [];
  for (let r = 0; r < count; r += 1) {
    out.push(Buffer.from(JSON.stringify({ entries: entryInputs(seq0 + r * perRequest, perRequest) }), 'utf8'));
  }
  return out;
}
