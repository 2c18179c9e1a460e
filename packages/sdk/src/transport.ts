import { Agent, fetch as undiciFetch } from 'undici';
import { CairnApiError, CairnConnectionError } from './errors.js';

/**
 * HTTPS settings of a client, all PEM text. Without `ca` the system's CAs are trusted.
 *
 * @example
 * new CairnClient({ url: 'https://cairn.internal:8443', tls: { ca: fs.readFileSync('ca.pem', 'utf8') } })
 */
export interface TlsOptions {
  /** CA certificates to trust instead of the system's (a private CA). */
  readonly ca?: string | undefined;
  /** Client certificate chain and key, for a server that authenticates clients by certificate. */
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/** HTTP to one Cairn server: bearer token, JSON in and out, errors as CairnApiError. */
export class Transport {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: (url: string, init: RequestInit) => Promise<Response>;

  constructor(url: string, token: string | undefined, timeoutMs: number, tls?: TlsOptions) {
    this.url = url.replace(/\/+$/, '');
    this.#token = token;
    this.#timeoutMs = timeoutMs;
    if (tls && (tls.ca ?? tls.cert ?? tls.key) !== undefined) {
      // Node's fetch has no TLS options of its own; undici's Agent (the same client Node's fetch is built on) has.
      const dispatcher = new Agent({ connect: { ca: tls.ca, cert: tls.cert, key: tls.key } });
      this.#fetch = (u, init) => undiciFetch(u, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
    } else {
      this.#fetch = (u, init) => fetch(u, init);
    }
  }

  /** `timeoutMs: null` waits as long as the server keeps sending (a large export); the default is the client's timeout. */
  async request(method: string, path: string, body?: unknown, options: { timeoutMs?: number | null } = {}): Promise<Response> {
    const timeoutMs = options.timeoutMs === undefined ? this.#timeoutMs : options.timeoutMs;
    const headers: Record<string, string> = {};
    if (this.#token) headers['authorization'] = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.#exchange(method, path, () =>
      this.#fetch(this.url + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: timeoutMs === null ? null : AbortSignal.timeout(timeoutMs),
      }),
    );
  }

  /**
   * Sends a body produced piece by piece (never whole in memory), as `contentType`, and parses
   * the JSON answer. The client's timeout applies to silence, not to the whole upload: it is
   * restarted whenever a piece is sent, and once more when the last one is.
   */
  async upload<T>(method: string, path: string, contentType: string, pieces: AsyncIterable<Uint8Array>): Promise<T> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (this.#token) headers['authorization'] = `Bearer ${this.#token}`;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error(`no progress for ${this.#timeoutMs} ms`)), this.#timeoutMs);
    };
    const body = (async function* () {
      for await (const piece of pieces) {
        arm();
        yield piece;
      }
      arm();
    })();
    arm();
    try {
      // `duplex: 'half'` is what fetch requires of a streamed request body.
      const init = { method, headers, body, duplex: 'half', signal: controller.signal } as unknown as RequestInit;
      return (await (await this.#exchange(method, path, () => this.#fetch(this.url + path, init), false)).json()) as T;
    } finally {
      clearTimeout(timer);
    }
  }

  async #exchange(method: string, path: string, send: () => Promise<Response>, retry = true): Promise<Response> {
    let res: Response;
    try {
      res = await send().catch((err: unknown) => {
        // A kept-alive connection the server closed meanwhile (a restart): a GET is safe to send
        // again; a POST is not retried, since the server may have acted on it.
        if (retry && method === 'GET' && causeOf(err)?.code === 'UND_ERR_SOCKET') return send();
        throw err;
      });
    } catch (err) {
      const cause = causeOf(err);
      throw new CairnConnectionError(`cannot reach ${this.url}: ${(err as Error).message}${cause?.message ? ` (${cause.message})` : ''}`, { cause: err });
    }
    if (!res.ok) {
      const text = await res.text();
      let parsed: { error?: { code?: string; message?: string; details?: unknown } } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // not our error shape; keep the status
      }
      throw new CairnApiError(res.status, parsed.error?.code ?? `http_${res.status}`, parsed.error?.message ?? (text.slice(0, 200) || res.statusText), parsed.error?.details);
    }
    return res;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  async text(method: string, path: string): Promise<string> {
    return (await this.request(method, path)).text();
  }
}

function causeOf(err: unknown): { code?: string; message?: string } | undefined {
  return (err as { cause?: { code?: string; message?: string } }).cause;
}

/** Encodes query parameters, leaving out undefined ones. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
