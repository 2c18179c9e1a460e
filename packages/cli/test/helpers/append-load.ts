/** One entry the server acknowledged (201): where it says the entry is, and what we sent. */
export interface AckedEntry {
  readonly index: number;
  readonly leafHash: string;
  readonly client: string;
  readonly seq: number;
}

/** One append request as sent; `acked` is set when the server answered 201. */
export interface SentRequest {
  readonly client: string;
  /** Sequence numbers of its entries, consecutive. */
  readonly seqs: readonly number[];
  acked: boolean;
}

export interface LoadResult {
  readonly acked: AckedEntry[];
  readonly sent: SentRequest[];
  /** Requests that ended without an HTTP answer (connection refused or reset); each ends its client. */
  transportErrors: number;
  /** Answers other than 201, as `status body`; each ends its client. */
  readonly refusals: string[];
  /** 503 `unavailable` answers with a `Retry-After`, when the load is told to go on after them. */
  unavailable: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly token: string;
  readonly clients: number;
  /** Client ids are `${prefix}${n}`; make them unique across a test so bodies never repeat. */
  readonly prefix: string;
  /** Stop starting new requests once this is aborted (requests in flight still finish). */
  readonly signal: AbortSignal;
  /** Stop once this many entries are acknowledged in total. */
  readonly maxEntries?: number;
  /**
   * Count a 503 `unavailable` that carries `Retry-After` and go on after this many ms, instead of
   * ending the client (a store outage under test). Without it, a 503 is a refusal like any other.
   */
  readonly continueAfterUnavailableMs?: number;
}

/**
 * Concurrent writers: each client posts batches of 1–5 entries, one request at a time over
 * keep-alive connections, bodies `{client, seq}`, and records what was acknowledged.
 */
export async function appendLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { acked: [], sent: [], transportErrors: 0, refusals: [], unavailable: 0 };
  const done = () => options.signal.aborted || (options.maxEntries !== undefined && result.acked.length >= options.maxEntries);

  const client = async (client: string) => {
    let seq = 0;
    while (!done()) {
      const n = 1 + Math.floor(Math.random() * 5);
      const seqs = Array.from({ length: n }, () => seq++);
      const request: SentRequest = { client, seqs, acked: false };
      result.sent.push(request);
      const entries = seqs.map((s) => ({ kind: 'custom.load', subject: `client:${client}`, body: { client, seq: s } }));
      let res: Response;
      try {
        res = await fetch(`${options.url}/api/v1/entries`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ entries }),
          signal: AbortSignal.timeout(30_000),
        });
      } catch {
        result.transportErrors += 1; // the server is gone: this client stops
        return;
      }
      let text: string;
      try {
        text = await res.text();
      } catch {
        result.transportErrors += 1; // the answer was cut off: not an acknowledgement
        return;
      }
      const pause = options.continueAfterUnavailableMs;
      if (pause !== undefined && res.status === 503 && res.headers.has('retry-after') && /"code":"unavailable"/.test(text)) {
        result.unavailable += 1;
        await new Promise((r) => setTimeout(r, pause));
        continue;
      }
      if (res.status !== 201) {
        result.refusals.push(`${res.status} ${text.slice(0, 300)}`); // never expected: the test fails on it
        return;
      }
      const body = JSON.parse(text) as { entries: { index: number; leafHash: string }[]; treeSize: number };
      if (body.entries.length !== n) throw new Error(`sent ${n} entries, ${body.entries.length} acknowledged: ${text}`);
      request.acked = true;
      body.entries.forEach((e, i) => result.acked.push({ index: e.index, leafHash: e.leafHash, client, seq: seqs[i]! }));
    }
  };

  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(`${options.prefix}${i}`)));
  return result;
}

/** One `POST /api/v1/entries`; asserts the 201 and returns what was acknowledged. */
export async function appendEntries(
  url: string,
  token: string,
  entries: readonly { kind: string; subject?: string; body: Record<string, unknown> }[],
): Promise<{ entries: { index: number; leafHash: string }[]; treeSize: number }> {
  const res = await fetch(`${url}/api/v1/entries`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ entries }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`append → ${res.status} ${text}`);
  return JSON.parse(text) as { entries: { index: number; leafHash: string }[]; treeSize: number };
}
