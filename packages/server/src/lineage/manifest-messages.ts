import type { ApiErrorCode } from '../errors/catalog.js';
import type { ManifestSummary } from './manifest-accumulator.js';

/** What the server's thread tells the manifest worker: bytes of object lines, their end, a piece written. */
export type ToWorker = { kind: 'chunk'; chunk: Uint8Array } | { kind: 'end' } | { kind: 'written' };

/** What the worker answers: a chunk processed, a piece of canonical text to store, the summary, or the refusal. */
export type FromWorker =
  | { kind: 'processed' }
  | { kind: 'part'; part: string }
  | { kind: 'done'; summary: ManifestSummary }
  | { kind: 'failed'; code: ApiErrorCode; message: string; details: unknown };
