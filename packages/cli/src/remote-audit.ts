import { CompactRange, bytesEqual, leafHash, toHex } from '@cairn/verify';
import { CairnVerificationError, type CairnClient } from '@cairn/sdk';

export interface RemoteAuditReport {
  readonly url: string;
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: string;
  readonly entriesChecked: number;
  /** Size of the checkpoint trusted before this run, if any. */
  readonly previousSize: number | undefined;
  readonly ok: true;
}

/**
 * Audits a log through its API alone: verify the latest checkpoint (signature, consistency with
 * the trusted one), then download every leaf up to its size and recompute its root.
 */
export async function auditRemote(client: CairnClient, onProgress: (done: number, total: number) => void): Promise<RemoteAuditReport> {
  const previousSize = client.trusted()?.checkpoint?.size;
  const checkpoint = await client.checkpoint();
  const range = new CompactRange();
  while (range.size < checkpoint.size) {
    const page = await client.entries(range.size, Math.min(1000, checkpoint.size - range.size));
    if (page.length === 0) throw new CairnVerificationError('response_invalid', `the server returned no entries at ${range.size}`);
    for (const e of page) {
      if (e.index !== range.size) throw new CairnVerificationError('response_invalid', `expected entry ${range.size}, got ${e.index}`);
      range.append(leafHash(e.leaf));
    }
    onProgress(range.size, checkpoint.size);
  }
  if (!bytesEqual(range.root(), checkpoint.rootHash)) {
    throw new CairnVerificationError('proof_invalid', `the entries served do not hash to the signed root of size ${checkpoint.size}`);
  }
  return { url: client.url, origin: checkpoint.origin, treeSize: checkpoint.size, rootHash: toHex(checkpoint.rootHash), entriesChecked: range.size, previousSize, ok: true };
}
