import fs from 'node:fs';
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { CairnError } from '../errors/catalog.js';
import { LineSplitter } from '../http/ndjson-lines.js';
import { ManifestAccumulator, OBJECT_LINE_LIMIT } from './manifest-accumulator.js';
import type { FromWorker, ToWorker } from './manifest-messages.js';

/**
 * The CPU work of a streamed manifest — splitting, UTF-8, JSON, checks, canonical form, SHA-256 —
 * in its own thread, so the server's event loop only moves bytes and stays free for other
 * requests (on a busy machine a thread that is always runnable is preempted often; the event loop
 * of a server must not be that thread). Chunks are processed in order; after handing over a piece
 * of canonical text the worker goes on until two pieces wait to be written, so memory holds at most
 * a few pieces.
 */
const port = parentPort!;
lowerPriority();

/**
 * Bulk work yields to requests: on Linux a thread has its own nice value, so this thread (found
 * through /proc/thread-self) runs at the lowest priority and the event loop, at the process's,
 * gets the CPU first. Elsewhere, or if not permitted, the worker runs at normal priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(tid) && tid !== process.pid) os.setPriority(tid, 19);
  } catch {
    // not Linux, or not allowed: normal priority
  }
}
// Line 1 (the registration's metadata) was read by the server's thread.
const splitter = new LineSplitter(() => OBJECT_LINE_LIMIT, 2);
const accumulator = new ManifestAccumulator();
const queue: Uint8Array[] = [];
/** Pieces handed over and not yet written: the worker waits at two. */
let outstanding = 0;
let ended = false;
let failed = false;

const send = (message: FromWorker) => port.postMessage(message);

function take(lines: readonly { line: number; text: string }[]): void {
  for (const { line, text } of lines) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new CairnError('manifest_invalid', `manifest line ${line}: not JSON (${(err as Error).message})`, { details: { issues: [{ line, path: '', message: 'not JSON' }] } });
    }
    accumulator.add(line, value);
  }
}

function handOver(part: string | undefined): void {
  if (part === undefined) return;
  outstanding += 1;
  send({ kind: 'part', part });
}

function pump(): void {
  try {
    while (outstanding < 2 && !failed && queue.length > 0) {
      take(splitter.push(queue.shift()!));
      send({ kind: 'processed' });
      handOver(accumulator.takePart());
    }
    if (!failed && ended && queue.length === 0) {
      take(splitter.end());
      const summary = accumulator.finish();
      ended = false;
      const last = accumulator.takePart(true);
      if (last !== undefined) send({ kind: 'part', part: last });
      send({ kind: 'done', summary });
    }
  } catch (err) {
    failed = true;
    const e = err instanceof CairnError ? err : new CairnError('internal', (err as Error).message);
    send({ kind: 'failed', code: e.code, message: e.message, details: e.details });
  }
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'chunk') queue.push(m.chunk);
  else if (m.kind === 'end') ended = true;
  else outstanding -= 1;
  pump();
});
