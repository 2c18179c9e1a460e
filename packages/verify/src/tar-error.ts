/** Which rule an archive broke. */
export type TarCheck =
  | 'tar-read' // the file could not be opened or read
  | 'tar-checksum' // a header's checksum field is malformed or does not match
  | 'tar-header' // a header field is not what the writer writes (magic, mode, owner, size, …)
  | 'tar-type' // a member that is not a regular file
  | 'tar-name' // an unsafe or malformed member name
  | 'tar-order' // names not in strictly increasing byte order (or a duplicate)
  | 'tar-padding' // non-zero bytes after a member's data
  | 'tar-end' // no proper end: two zero blocks, zeros to a whole record, then nothing
  | 'tar-truncated'; // the archive stops early

/** A broken archive. `member` names the member when its header was readable. */
export class TarError extends Error {
  override readonly name = 'TarError';
  readonly check: TarCheck;
  readonly member: string | undefined;
  /** Byte offset in the archive where the problem was found. */
  readonly offset: number;

  constructor(check: TarCheck, member: string | undefined, offset: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.check = check;
    this.member = member;
    this.offset = offset;
  }
}
