import path from 'node:path';
import { openLogIdentity } from '../../src/keys/log-identity.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { AppenderOptions } from '../../src/ledger/appender.js';
import type { Actor, EntryInput } from '../../src/ledger/entry.js';
import type { Store } from '../../src/store/store.js';
import type { StoreLocation } from './stores.js';

export const testActor: Actor = { id: 'tester', type: 'service', auth: 'token', tokenId: 'tok_test' };

export async function openLedger(location: StoreLocation, options: AppenderOptions = {}): Promise<{ store: Store; ledger: Ledger }> {
  const store = await location.open();
  const { signer } = await openLogIdentity(store, { keyFile: path.join(location.dataDir, 'keys', 'log.pem'), dataDir: location.dataDir, origin: 'test.cairn.example/log' });
  return { store, ledger: new Ledger(store, signer, options) };
}

export function entries(n: number, tag = 'e'): EntryInput[] {
  return Array.from({ length: n }, (_, i) => ({ kind: 'custom.test', subject: `${tag}:${i}`, body: { tag, i } }));
}
