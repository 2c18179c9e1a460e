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
    const send = () =>
      fetch(this.url + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: timeoutMs === null ? null : AbortSignal.timeout(timeoutMs),
      });
    let res: Response;
    try {
      res = await send().catch((err: unknown) => {
        // A kept-alive connection the server closed meanwhile (a restart): a GET is safe to send
        // again; a POST is not retried, since the server may have acted on it.
        if (method === 'GET' && causeOf(err)?.code === 'UND_ERR_SOCKET') return send();
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
