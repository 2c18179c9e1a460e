import { CairnError } from '../errors/catalog.js';

export interface NumberedLine {
  /** 1-based line number in the body. */
  readonly line: number;
  readonly text: string;
}

/**
 * Splits a newline-delimited body into lines as its chunks arrive: memory holds one chunk and one
 * line, never the body. A line longer than `maxChars(line)` characters is refused before it is
 * buffered whole; bytes that are not UTF-8 are refused with their line. `\r\n` line ends are
 * accepted; the last line needs no newline.
 */
export class LineSplitter {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  readonly #maxChars: (line: number) => number;
  #carry = '';
  #line: number;

  constructor(maxChars: (line: number) => number, firstLine = 1) {
    this.#maxChars = maxChars;
    this.#line = firstLine;
  }

  /** The lines a chunk completes. */
  push(chunk: Uint8Array): NumberedLine[] {
    let text: string;
    try {
      text = this.#decoder.decode(chunk, { stream: true });
    } catch {
      throw notUtf8(this.#line + firstBadLine(chunk));
    }
    const lines: NumberedLine[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const piece = this.#carry + text.slice(start, nl);
      this.#carry = '';
      this.#check(piece);
      lines.push({ line: this.#line, text: stripCr(piece) });
      this.#line += 1;
      start = nl + 1;
    }
    this.#carry += text.slice(start);
    this.#check(this.#carry);
    return lines;
  }

  /** The last line, if the body did not end with a newline. */
  end(): NumberedLine[] {
    try {
      this.#carry += this.#decoder.decode();
    } catch {
      throw notUtf8(this.#line);
    }
    return this.#carry.length > 0 ? [{ line: this.#line, text: stripCr(this.#carry) }] : [];
  }

  #check(piece: string): void {
    const max = this.#maxChars(this.#line);
    if (piece.length > max) throw issue(this.#line, `line ${this.#line} is longer than ${max} characters`, `longer than ${max} characters`);
  }
}

/**
 * The first line of a body (at most `maxChars`), and the bytes after it; the caller reads the
 * rest of the body from the same iterator.
 */
export async function firstLine(body: AsyncIterator<Buffer | string>, maxChars: number): Promise<{ text: string; rest: Uint8Array[] } | undefined> {
  const splitter = new LineSplitter(() => maxChars);
  for (;;) {
    const bytes = await readChunk(body);
    if (bytes === undefined) {
      const [last] = splitter.end();
      return last && { text: last.text, rest: [] };
    }
    const nl = bytes.indexOf(0x0a);
    if (nl === -1) {
      splitter.push(bytes);
      continue;
    }
    const [line] = splitter.push(bytes.subarray(0, nl + 1));
    return { text: line!.text, rest: nl + 1 < bytes.length ? [bytes.subarray(nl + 1)] : [] };
  }
}

/** The next chunk of a request body; a body the client cut short is `invalid_request`. */
export async function readChunk(body: AsyncIterator<Buffer | string>): Promise<Buffer | undefined> {
  try {
    const next = await body.next();
    if (next.done) return undefined;
    return typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value;
  } catch (err) {
    throw new CairnError('invalid_request', `the upload was cut short: ${(err as Error).message}`, { cause: err });
  }
}

function issue(line: number, message: string, short: string): CairnError {
  return new CairnError('manifest_invalid', message, { details: { issues: [{ line, path: '', message: short }] } });
}

const notUtf8 = (line: number) => issue(line, `line ${line} is not UTF-8`, 'not UTF-8');
const stripCr = (text: string) => (text.endsWith('\r') ? text.slice(0, -1) : text);

/** Which line of a chunk (0 for the one it continues) holds the bytes that are not UTF-8. */
function firstBadLine(chunk: Uint8Array): number {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let k = 0;
  for (let start = 0; start <= bytes.length; k += 1) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl === -1 ? bytes.length : nl;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, end));
    } catch {
      return k;
    }
    if (nl === -1) break;
    start = nl + 1;
  }
  return 0;
}
