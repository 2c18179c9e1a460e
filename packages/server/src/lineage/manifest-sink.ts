/** Pieces no registration names are removed after this long (an upload cut off by a crash). */
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/** Where one streamed manifest's canonical text goes while it arrives. */
export interface ManifestSink {
  /** What `dataset_manifests.upload` names once the registration commits. */
  readonly upload: string;
  write(part: string): Promise<void>;
  /** Makes what was written durable; called before the registration that names it commits. */
  seal(): Promise<void>;
  /** Removes what was written (the upload failed, or its registration did). */
  discard(): Promise<void>;
}

/** The stored text of streamed manifests: written piece by piece, read back in order, swept. */
export interface ManifestPieces {
  open(): Promise<ManifestSink>;
  read(upload: string): AsyncIterable<string>;
  /** Removes pieces of uploads no registration names, older than `ABANDONED_AFTER_MS`; returns how many. */
  sweep(now?: number): Promise<number>;
}

