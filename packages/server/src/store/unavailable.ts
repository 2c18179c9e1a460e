import { CairnError } from '../errors/catalog.js';

/** Seconds a client is told to wait (`Retry-After`) when the store cannot be reached. */
export const STORE_RETRY_AFTER_SECONDS = 2;

/**
 * The store could not be reached or written: the database restarted, failed over, dropped the
 * connection, refused new ones, or the embedded file was locked by another process or its disk
 * filled. It says nothing about the request, which may be retried: 503 `unavailable` (or 507
 * `store_full`, which only an operator freeing space resolves).
 */
export class StoreUnavailableError extends CairnError {
  override readonly name = 'StoreUnavailableError';
}

/** Error codes (SQLSTATE) of a PostgreSQL that is going away, refusing connections or unreachable. */
const PG_CODES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, a fast shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '53300', // too_many_connections
]);
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EIO']);
/** What pg and pg-pool say when a connection is lost or cannot be had (they set no code). */
const PG_MESSAGES = [/^Connection terminated/, /not queryable/, /timeout exceeded when trying to connect/, /^Query read timeout/, /Cannot use a pool after calling end/];

/** Marks an error raised while acquiring a connection: whatever it says, the store cannot be reached. */
const CONNECTING = Symbol('cairn.store.connecting');

export function markConnectFailure(err: unknown): unknown {
  if (err instanceof Error) Object.defineProperty(err, CONNECTING, { value: true });
  return err;
}

type Failure = 'unavailable' | 'full';

function classifyOne(err: unknown): Failure | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  if (CONNECTING in err) return 'unavailable';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    // better-sqlite3: SqliteError with the extended result code (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE…)
    if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'full';
    if (/^SQLITE_(BUSY|IOERR|CANTOPEN|PROTOCOL|READONLY)/.test(code)) return 'unavailable';
    if (code.startsWith('08') || PG_CODES.has(code) || NODE_CODES.has(code)) return 'unavailable';
  }
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string' && PG_MESSAGES.some((re) => re.test(message))) return 'unavailable';
  return undefined;
}

/**
 * The one place that decides whether an error means "the store is unreachable right now" rather
 * than a bug or a bad request. Walks the `cause` chain, so a wrapped driver error counts. Returns
 * the error to answer with (`unreachableMessage` if given and the store is unreachable rather
 * than full), or undefined for every other failure.
 */
export function storeFailure(err: unknown, unreachableMessage?: string): StoreUnavailableError | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 8; e = (e as { cause?: unknown } | null)?.cause, depth += 1) {
    if (e instanceof StoreUnavailableError) return e; // already says what is known (e.g. an unknown COMMIT outcome)
    if (e instanceof CairnError) return undefined; // a domain error (the identity provider unreachable…) says what it is
    const failure = classifyOne(e);
    if (failure === 'full') {
      return new StoreUnavailableError('store_full', 'the store has no space left (disk full); nothing was written. Writes resume once an operator frees space', { cause: err });
    }
    if (failure === 'unavailable') {
      return new StoreUnavailableError('unavailable', unreachableMessage ?? 'the store cannot be reached right now; retry later', { cause: err });
    }
  }
  return undefined;
}
