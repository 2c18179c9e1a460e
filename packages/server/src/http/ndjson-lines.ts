import { setImmediate as nextTurn } from 'node:timers/promises';
import { CairnError } from '../errors/catalog.js';

export interface NumberedLine {
  /** 1-based line number in the body. */
  readonly line: number;
  readonly text: string;
}

const NEWLINE = 0x0a;

/**
 * The lines of a newline-delimited body, as they arrive: memory holds one chunk and one line,
 * never the body. A line longer than `maxBytes(line)` is refused before it is buffered whole;
 * bytes that are not UTF-8 are refused. After each chunk the event loop gets a turn, so a large
 * upload that arrives faster than it is processed cannot starve other requests.
 *
 * A body the client cut short (connection reset, chunked encoding never finished) ends in
 * `invalid_request`; the caller discards what it stored.
 */
export async function* ndjsonLines(body: AsyncIterable<Buffer | string>, maxBytes: (line: number) => number): AsyncGenerator<NumberedLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let line = 1;
  const decode = (bytes: Buffer): string => {
    try {
      return decoder.decode(bytes);
    } catch {
      throw new CairnError('manifest_invalid', `line ${line} is not UTF-8`, { details: { issues: [{ line, path: '', message: 'not UTF-8' }] } });
    }
  };
  const tooLong = () => new CairnError('manifest_invalid', `line ${line} is longer than ${maxBytes(line)} bytes`, { details: { issues: [{ line, path: '', message: `longer than ${maxBytes(line)} bytes` }] } });
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer | string>;
    try {
      next = await iterator.next();
    } catch (err) {
      throw new CairnError('invalid_request', `the upload was cut short at line ${line}: ${(err as Error).message}`, { cause: err });
    }
    if (next.done) break;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value;
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      if (carryBytes + nl - start > maxBytes(line)) throw tooLong();
      const bytes = carry.length === 0 ? chunk.subarray(start, nl) : Buffer.concat([...carry, chunk.subarray(start, nl)]);
      carry = [];
      carryBytes = 0;
      yield { line, text: decode(stripCr(bytes)) };
      line += 1;
      start = nl + 1;
    }
    if (start < chunk.length) {
      carryBytes += chunk.length - start;
      if (carryBytes > maxBytes(line)) throw tooLong();
      carry.push(chunk.subarray(start));
    }
    await nextTurn();
  }
  if (carryBytes > 0) yield { line, text: decode(stripCr(Buffer.concat(carry))) };
}

function stripCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes;
}
