import assert from 'node:assert/strict';
import { fromBase64, leafHash, toHex } from '@cairn/verify';
import type { LoadResult } from './append-load.js';

export interface LoggedEntry {
  readonly index: number;
  readonly leafHash: string;
  readonly entry: { kind: string; subject?: string; body: Record<string, unknown> };
}

async function get(url: string, token: string, method = 'GET'): Promise<Response> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${await res.text()}`);
  return res;
}

/** Asks the server to sign a checkpoint at its current size; returns the note and that size. */
export async function signCheckpoint(url: string, token: string): Promise<{ note: string; size: number }> {
  const note = await (await get(`${url}/api/v1/log/checkpoint`, token, 'POST')).text();
  return { note, size: checkpointSize(note) };
}

export async function latestCheckpoint(url: string, token: string): Promise<string> {
  return (await get(`${url}/api/v1/log/checkpoint`, token)).text();
}

/** The tree size line of a checkpoint note (c2sp.org/tlog-checkpoint: origin, size, root). */
export function checkpointSize(note: string): number {
  return Number(note.split('\n')[1]);
}

/**
 * Every entry of the log through `GET /api/v1/log/entries` pages, until a short page. Each
 * served leaf hash is recomputed from the served leaf bytes, so the comparison with acknowledged
 * hashes is a comparison with what is stored, not only with what the server says.
 */
export async function readLog(url: string, token: string): Promise<LoggedEntry[]> {
  const out: LoggedEntry[] = [];
  for (;;) {
    const res = await get(`${url}/api/v1/log/entries?start=${out.length}&limit=1000`, token);
    const page = ((await res.json()) as { entries: { index: number; leaf: string; leafHash: string; entry: LoggedEntry['entry'] }[] }).entries;
    for (const e of page) {
      assert.equal(e.index, out.length, `entries page from ${out.length}: got index ${e.index} at position ${out.length} (a gap or a duplicate)`);
      assert.equal(toHex(leafHash(fromBase64(e.leaf))), e.leafHash, `entry ${e.index}: served leaf hash is not the hash of the served leaf`);
      out.push({ index: e.index, leafHash: e.leafHash, entry: e.entry });
    }
    if (page.length < 1000) return out;
  }
}

/**
 * The durability and atomicity invariants of a log that took `loads`:
 * - every acknowledged entry is at its acknowledged index, with its leaf hash and its body;
 * - no index was acknowledged twice (a lost commit would hand the same index out again);
 * - no body appears twice in the log;
 * - each request is all-or-nothing and contiguous, acknowledged or not (an unacknowledged one
 *   may have committed just before a crash, but never in part).
 */
export function assertLogHolds(log: readonly LoggedEntry[], loads: readonly LoadResult[]): void {
  const at = new Map<string, number>();
  for (const e of log) {
    const body = e.entry.body as { client?: string; seq?: number };
    if (typeof body.client !== 'string') continue;
    const key = `${body.client}/${body.seq}`;
    assert.equal(at.get(key), undefined, `body ${key} is in the log twice: at ${at.get(key)} and ${e.index}`);
    at.set(key, e.index);
  }

  const ackedIndex = new Map<number, string>();
  let acked = 0;
  for (const load of loads) {
    for (const a of load.acked) {
      const key = `${a.client}/${a.seq}`;
      assert.equal(ackedIndex.get(a.index), undefined, `index ${a.index} was acknowledged twice: to ${ackedIndex.get(a.index)} and to ${key}`);
      ackedIndex.set(a.index, key);
      assert.ok(a.index < log.length, `acknowledged entry ${key} at index ${a.index} is beyond the log's ${log.length} entries: lost`);
      const e = log[a.index]!;
      assert.equal(e.leafHash, a.leafHash, `entry ${a.index}: leaf hash ${e.leafHash}, acknowledged ${a.leafHash}`);
      assert.deepEqual(e.entry.body, { client: a.client, seq: a.seq }, `entry ${a.index} holds another body than the acknowledged one`);
      acked += 1;
    }
    for (const r of load.sent) {
      const found = r.seqs.map((s) => at.get(`${r.client}/${s}`));
      const present = found.filter((i) => i !== undefined).length;
      if (r.acked) assert.equal(present, r.seqs.length, `acknowledged request ${r.client}/${r.seqs.join(',')} is not all in the log`);
      assert.ok(present === 0 || present === r.seqs.length, `request ${r.client}/${r.seqs.join(',')} is in the log in part: ${JSON.stringify(found)}`);
      if (present > 0) {
        found.forEach((i, k) => assert.equal(i, found[0]! + k, `request ${r.client}/${r.seqs.join(',')} is not contiguous: ${JSON.stringify(found)}`));
      }
    }
  }
  assert.ok(acked > 0, 'no entry was acknowledged: the load never ran');
}
