import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CairnVerificationError } from './errors.js';
import { query, type Transport } from './transport.js';

export type ExportScope =
  | { readonly kind: 'model'; readonly model: string; readonly version: string }
  | { readonly kind: 'time'; readonly from: string; readonly to: string }
  | { readonly kind: 'subject'; readonly subject: string };

export interface ExportRequest {
  readonly scope: ExportScope;
  readonly reason: string;
  /** Prove into this existing signed checkpoint (same scope + checkpoint = identical bytes). */
  readonly checkpoint?: number;
}

export interface ExportRecord {
  readonly id: string;
  readonly scope: ExportScope;
  readonly reason: string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly requestIndex: number;
  readonly checkpointSize: number;
  readonly entries: number;
  readonly state: 'building' | 'completed' | 'failed';
  readonly sha256: string | null;
  readonly size: number | null;
  readonly completionIndex: number | null;
  readonly error: string | null;
}

export interface DownloadedExport {
  readonly id: string;
  readonly file: string;
  /** `sha256:<hex>` of the file, as the server recorded it in `export.completed`. */
  readonly sha256: string;
  readonly size: number;
  readonly entries: number;
  readonly checkpointSize: number;
  readonly record: ExportRecord;
}

/** Compliance packages: build one (streamed to a file), and the record of past exports. */
export class ExportsApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /**
   * Builds a package and writes it to `file` (through `file.partial`, renamed when complete and
   * matching the digest the server recorded).
   * @example await cairn.exports.download({ scope: { kind: 'model', model: 'triage', version: '1.0.0' }, reason: 'annual review' }, 'triage.tar');
   */
  async download(request: ExportRequest, file: string, options: { onProgress?: (received: number, estimated: number) => void } = {}): Promise<DownloadedExport> {
    const res = await this.#http.request('POST', '/api/v1/exports', request, { timeoutMs: null });
    const id = res.headers.get('cairn-export-id') ?? '';
    const estimated = Number(res.headers.get('cairn-export-estimated-size') ?? 0);
    if (!res.body) throw new CairnVerificationError('package_incomplete', `export ${id} came with no body`);
    const hash = crypto.createHash('sha256');
    let received = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        received += chunk.length;
        options.onProgress?.(received, estimated);
        done(null, chunk);
      },
    });
    const partial = `${file}.partial`;
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, fs.createWriteStream(partial, { mode: 0o600 }));
    } catch (err) {
      fs.rmSync(partial, { force: true });
      throw err;
    }
    const sha256 = `sha256:${hash.digest('hex')}`;
    // `export.completed` is appended once the last byte is produced: wait for it, briefly.
    let record = await this.get(id);
    for (let i = 0; i < 50 && record.state === 'building'; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      record = await this.get(id);
    }
    if (record.state !== 'completed' || record.sha256 !== sha256 || record.size !== received) {
      fs.rmSync(partial, { force: true });
      throw new CairnVerificationError('package_incomplete', `export ${id}: received ${received} bytes with ${sha256}, but the server recorded ${record.state} ${record.sha256 ?? ''} (${record.size ?? 0} bytes)`);
    }
    fs.renameSync(partial, file);
    return { id, file, sha256, size: received, entries: record.entries, checkpointSize: record.checkpointSize, record };
  }

  /** @example const e = await cairn.exports.get('exp_…'); */
  get(id: string): Promise<ExportRecord> {
    return this.#http.json('GET', `/api/v1/exports/${encodeURIComponent(id)}`);
  }

  /** @example const recent = await cairn.exports.list(20); */
  async list(limit?: number): Promise<ExportRecord[]> {
    return (await this.#http.json<{ exports: ExportRecord[] }>('GET', `/api/v1/exports${query({ limit })}`)).exports;
  }
}
