import { toBase64, pae, type DsseEnvelope } from '@cairn/verify';
import type { LogSigner } from '../keys/log-signer.js';
import type { RunRecord } from './runs.js';

export const IN_TOTO_STATEMENT = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE = 'https://slsa.dev/provenance/v1';
export const TRAINING_BUILD_TYPE = 'https://cairn.dev/build-types/training-run/v1';
export const DSSE_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const hex = (digest: string) => digest.replace(/^sha256:/, '');

/** `runDetails.builder.id`: this Cairn log, the trust base that recorded the run and signed the bundle. */
export function builderId(origin: string): string {
  return `https://cairn.dev/builders/${origin.split('/').map(encodeURIComponent).join('/')}`;
}

/** Who Cairn authenticated for the run: set by Cairn from the credentials, never by the caller. */
export interface RunIdentities {
  /** The principal that started the run. */
  readonly trainer: string;
  /** The principal that completed (or failed) it. */
  readonly completedBy: string;
}

/**
 * The lineage bundle of a training run: an in-toto Statement v1 whose subjects are the run's
 * outputs and whose predicate is SLSA Provenance v1, in a DSSE envelope signed with the log's key.
 *
 * Where each fact sits follows SLSA's trust split (build-provenance.md, "Model"):
 * `externalParameters` are what the caller declared (untrusted until verified downstream: name,
 * zone, code, image, environment, hyper-parameters, evaluator); `internalParameters` are what
 * Cairn itself set (the authenticated trainer and completer, as GitHub's build type records its
 * actor); `resolvedDependencies` are the artifacts the run read, each with its digest (datasets,
 * the commit, the image, the lock file); the evaluator's metrics are a byproduct.
 */
export function provenanceStatement(run: RunRecord, builderId: string, who: RunIdentities): Record<string, unknown> {
  return {
    _type: IN_TOTO_STATEMENT,
    subject: run.outputs.map((o) => ({ name: o.name, digest: { sha256: hex(o.digest) } })),
    predicateType: SLSA_PROVENANCE,
    predicate: {
      buildDefinition: {
        buildType: TRAINING_BUILD_TYPE,
        externalParameters: {
          name: run.name,
          ...(run.zone ? { zone: run.zone } : {}),
          parameters: run.parameters ?? {},
          ...(run.code ? { code: { ...run.code } } : {}),
          ...(run.image?.name ? { image: run.image.name } : {}),
          environment: { ...(run.environment ?? {}) },
          ...(run.evaluator ? { evaluator: run.evaluator } : {}),
        },
        internalParameters: { trainer: who.trainer, completedBy: who.completedBy },
        resolvedDependencies: dependencies(run),
      },
      runDetails: {
        builder: { id: builderId },
        metadata: { invocationId: run.id, startedOn: run.startedAt, ...(run.endedAt ? { finishedOn: run.endedAt } : {}) },
        byproducts: [
          {
            name: 'metrics',
            content: toBase64(Buffer.from(JSON.stringify(run.metrics ?? {}), 'utf8')),
            mediaType: 'application/json',
            ...(run.evaluator ? { annotations: { evaluator: run.evaluator } } : {}),
          },
        ],
      },
    },
  };
}

/** ResourceDescriptors (in-toto v1): each has a digest; a URI where the resource has one. */
function dependencies(run: RunRecord): Record<string, unknown>[] {
  const deps: Record<string, unknown>[] = run.inputs.map((d) => ({
    uri: `cairn:dataset/${d.name ?? 'unregistered'}@${d.digest}`,
    digest: { sha256: hex(d.digest) },
    name: d.name ?? d.digest,
    annotations: { dataClasses: d.dataClasses ?? [], state: d.state ?? 'unknown' },
  }));
  // SLSA's own example: the repository URI with `@<ref>`, the commit as a gitCommit digest.
  if (run.code) deps.push({ name: 'code', uri: `${run.code.repository}@${run.code.commit}`, digest: { gitCommit: run.code.commit } });
  if (run.image) deps.push({ name: 'image', ...(run.image.uri ? { uri: run.image.uri } : {}), digest: { sha256: hex(run.image.digest) } });
  if (run.environment?.lockfileSha256) deps.push({ name: 'lockfile', digest: { sha256: run.environment.lockfileSha256 } });
  return deps;
}

export function signEnvelope(signer: LogSigner, statement: unknown): DsseEnvelope {
  const payload = Buffer.from(JSON.stringify(statement), 'utf8');
  const sig = signer.sign(pae(DSSE_PAYLOAD_TYPE, payload));
  return { payloadType: DSSE_PAYLOAD_TYPE, payload: toBase64(payload), signatures: [{ keyid: signer.verifierKey, sig: toBase64(sig) }] };
}
