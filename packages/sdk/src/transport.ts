import { CairnApiError, CairnConnectionError } from './errors.js';

/** HTTP to one Cairn server: bearer token, JSON in and out, errors as CairnApiError. */
export class Transport {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(url: string, token: string | undefined, timeoutMs: number) {
    this.url = url.replace(/\/+$/, '');
    this.#token = token;
    this.#timeoutMs = timeoutMs;
  }

  /** `timeoutMs: null` waits as long as the server keeps sending (a large export); the default is the client's timeout. */
  async request(method: string, path: string, body?: unknown, options: { timeoutMs?: number | null } = {}): Promise<Response> {
    const timeoutMs = options.timeoutMs === undefined ? this.#timeoutMs : options.timeoutMs;
    const headers: Record<string, string> = {};
    if (this.#token) headers['authorization'] = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.#exchange(method, path, () =>
      fetch(this.url + path, {
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
      return (await (await this.#exchange(method, path, () => fetch(this.url + path, init), false)).json()) as T;
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
