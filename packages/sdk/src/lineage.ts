import { query, type Transport } from './transport.js';
import type { Decision } from './types.js';

export interface ManifestObjectInput {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface DatasetRegistration {
  readonly name: string;
  readonly objects: readonly ManifestObjectInput[];
  readonly owner?: string;
  readonly sourceSystem?: string;
  readonly dataClasses: readonly string[];
  readonly legalBasis?: string;
  readonly consentStatus?: string;
  readonly retentionClass?: string;
  readonly tags?: readonly string[];
  readonly derivedFrom?: {
    readonly inputs: readonly string[];
    readonly transform: { readonly repository: string; readonly commit: string; readonly parameters?: Record<string, unknown> };
    readonly exclusions?: readonly { records: string; reason: string; by?: string; manualOverride?: { by: string; reason: string } }[];
  };
}

export interface DatasetVersion {
  readonly digest: string;
  readonly name: string;
  readonly state: 'quarantine' | 'certified' | 'deprecated';
  readonly dataClasses: readonly string[];
  readonly owner: string | null;
  readonly objectCount: number;
  readonly totalBytes: number;
  readonly ledgerIndex: number;
  /** A declassification of a two-person class waiting for a second steward. */
  readonly pendingDeclassification: { readonly classes: readonly string[]; readonly reason: string; readonly by: string; readonly at: string; readonly ledgerIndex: number } | null;
  readonly [key: string]: unknown;
}

export interface RunStart {
  readonly name: string;
  readonly inputs: readonly string[];
  /** The zone the run trains in; the inputs' data classes must be allowed there. */
  readonly zone: string;
  /** `repository`: a URI (`git+https://…`) or git's `user@host:path`; `commit`: the full 40- or 64-hex id. */
  readonly code?: { repository: string; commit: string };
  /** `name`: `registry/repository[:tag]`, recorded as `oci://registry/repository@sha256:…`. */
  readonly image?: { digest: string; name?: string };
  readonly environment?: { accelerator?: string; driverVersion?: string; cudaVersion?: string; lockfileSha256?: string };
  readonly parameters?: Record<string, unknown>;
  readonly evaluator?: string;
}

export interface TrainingRun {
  readonly id: string;
  readonly name: string;
  readonly state: 'running' | 'completed' | 'failed';
  readonly lineageComplete: boolean | null;
  readonly missing: readonly string[];
  readonly ledgerIndex: number;
  readonly [key: string]: unknown;
}

export interface TraceNode {
  readonly key: string;
  readonly kind: string;
  readonly label: string;
  readonly ledgerIndex: number;
  readonly direction: 'root' | 'upstream' | 'downstream';
  readonly depth: number;
  /** The node's current facts: state, classes, approvers, evidence, zone… by kind. */
  readonly details?: Record<string, unknown>;
}

export interface Trace {
  readonly root: string;
  readonly nodes: readonly TraceNode[];
  readonly edges: readonly { from: string; to: string; relation: string; ledgerIndex: number }[];
  readonly truncated: boolean;
}

export interface RegisterOptions {
  /** Stream the manifest (`true`) or send one JSON body (`false`); default: stream above `STREAM_THRESHOLD`. */
  readonly stream?: boolean;
  /** Called as a streamed manifest is sent: objects sent so far, of `total`. */
  readonly onProgress?: (sent: number, total: number) => void;
}

/** Above either figure a manifest is streamed: one JSON body that size would be parsed whole by the server. */
export const STREAM_THRESHOLD = { objects: 5000, bytes: 4 * 1024 * 1024 } as const;

function exceedsThreshold(objects: readonly ManifestObjectInput[]): boolean {
  if (objects.length > STREAM_THRESHOLD.objects) return true;
  let bytes = 0;
  for (const o of objects) bytes += o.path.length * 3 + 110; // a line's JSON at most, for a path of UTF-8
  return bytes > STREAM_THRESHOLD.bytes;
}

/** Lines per piece of a streamed manifest (~250 KB). */
const LINES_PER_PIECE = 2000;

/**
 * The NDJSON body of a streamed registration: the metadata, then one object per line, sorted by
 * path in UTF-16 code units (the order the server requires: it is the canonical manifest's).
 */
async function* ndjsonManifest(metadata: Omit<DatasetRegistration, 'objects'>, objects: readonly ManifestObjectInput[], onProgress?: (sent: number, total: number) => void): AsyncGenerator<Uint8Array> {
  yield Buffer.from(`${JSON.stringify(metadata)}\n`);
  const sorted = objects.map((o) => ({ path: o.path, size: o.size, sha256: o.sha256 })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 0; i < sorted.length; i += LINES_PER_PIECE) {
    const piece = sorted.slice(i, i + LINES_PER_PIECE);
    yield Buffer.from(`${piece.map((o) => JSON.stringify(o)).join('\n')}\n`);
    onProgress?.(i + piece.length, sorted.length);
  }
}

/** Data lineage: dataset versions, training runs, provenance bundles, trace. */
export class LineageApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /**
   * Registers a dataset version (in quarantine) by its manifest; the data itself never leaves.
   * A manifest of more than `STREAM_THRESHOLD` objects or bytes is streamed as NDJSON, sorted by
   * path, in pieces (`stream: true|false` decides it yourself); `onProgress` hears of every piece.
   * @example const ds = await cairn.lineage.registerDataset({ name: 'claims-2026-10', objects, dataClasses: ['personal_data'], owner: 'claims-office', legalBasis: 'contract' });
   */
  registerDataset(registration: DatasetRegistration, options: RegisterOptions = {}): Promise<DatasetVersion> {
    const { objects, ...metadata } = registration;
    if (!(options.stream ?? exceedsThreshold(objects))) return this.#http.json('POST', '/api/v1/datasets', registration);
    return this.#http.upload('POST', '/api/v1/datasets', 'application/x-ndjson', ndjsonManifest(metadata, objects, options.onProgress));
  }

  /** @example const ds = await cairn.lineage.dataset('sha256:…'); */
  dataset(digest: string): Promise<DatasetVersion> {
    return this.#http.json('GET', `/api/v1/datasets/${digest}`);
  }

  /** @example const certified = await cairn.lineage.datasets({ state: 'certified' }); */
  async datasets(filter: { name?: string; state?: DatasetVersion['state']; limit?: number } = {}): Promise<DatasetVersion[]> {
    return (await this.#http.json<{ datasets: DatasetVersion[] }>('GET', `/api/v1/datasets${query(filter)}`)).datasets;
  }

  /** @example await cairn.lineage.certify(ds.digest, 'DQ checks passed'); // steward; 422 lists every failed rule */
  certify(digest: string, reason: string): Promise<{ dataset: DatasetVersion; decision: Decision }> {
    return this.#http.json('POST', `/api/v1/datasets/${digest}/certify`, { reason });
  }

  /** @example await cairn.lineage.deprecate(ds.digest, 'superseded by the November load'); */
  deprecate(digest: string, reason: string): Promise<DatasetVersion> {
    return this.#http.json('POST', `/api/v1/datasets/${digest}/deprecate`, { reason });
  }

  /**
   * Removes classes; for a two-person class (policy `two_person_declassification`) this proposes
   * the removal, in force once another steward approves it (`approveDeclassification`).
   * @example await cairn.lineage.declassify(ds.digest, ['ephi'], 'Safe Harbor de-identification verified');
   */
  declassify(digest: string, classes: readonly string[], reason: string): Promise<DatasetVersion> {
    return this.#http.json('POST', `/api/v1/datasets/${digest}/declassify`, { classes, reason });
  }

  /** @example await cairn.lineage.approveDeclassification(ds.digest, 'DI-204 report checked'); */
  approveDeclassification(digest: string, reason: string): Promise<{ dataset: DatasetVersion; decision: Decision }> {
    return this.#http.json('POST', `/api/v1/datasets/${digest}/declassify/approve`, { reason });
  }

  /**
   * Starts a run in a zone; refused (`run_inputs_refused`, recorded) when its inputs are not
   * certified or their data classes may not be processed there.
   * @example const { run } = await cairn.lineage.startRun({ name: 'train', inputs: [ds.digest], zone: 'hipaa-ai', code: { repository: 'git@git.internal:ml/train.git', commit } });
   */
  startRun(run: RunStart): Promise<{ run: TrainingRun; decision: Decision }> {
    return this.#http.json('POST', '/api/v1/runs', run);
  }

  /** @example await cairn.lineage.completeRun(run.id, { outputs: [{ name: 'model.onnx', digest }], metrics: { auroc: 0.81 } }); */
  completeRun(id: string, completion: { outputs: readonly { name: string; digest: string }[]; metrics?: Record<string, number>; evaluator?: string; status?: 'completed' | 'failed' }): Promise<TrainingRun> {
    return this.#http.json('POST', `/api/v1/runs/${id}/complete`, completion);
  }

  /** @example const run = await cairn.lineage.run('run_…'); */
  run(id: string): Promise<TrainingRun> {
    return this.#http.json('GET', `/api/v1/runs/${id}`);
  }

  /**
   * The run's lineage bundle (DSSE envelope); verify it with `verifyEnvelope` from @cairn/verify.
   * @example const envelope = await cairn.lineage.provenance(run.id);
   */
  provenance(id: string): Promise<{ payloadType: string; payload: string; signatures: { keyid?: string; sig: string }[] }> {
    return this.#http.json('GET', `/api/v1/runs/${id}/provenance`);
  }

  /** @example const t = await cairn.lineage.trace('artifact', 'sha256:…'); */
  trace(kind: 'dataset' | 'run' | 'artifact' | 'model-version' | 'deployment', id: string, depth?: number): Promise<Trace> {
    return this.#http.json('GET', `/api/v1/trace/${kind}/${id}${query({ depth })}`);
  }

  /** @example const { lineage, identity } = await cairn.lineage.kpis(); */
  kpis(): Promise<{ lineage: Record<string, number | null>; identity: { tokensWithoutExpiry: number } }> {
    return this.#http.json('GET', '/api/v1/kpis');
  }
}
