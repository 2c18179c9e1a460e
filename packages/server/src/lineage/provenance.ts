import { toBase64, pae, type DsseEnvelope } from '@cairn/verify';
import type { LogSigner } from '../keys/log-signer.js';
import type { RunRecord } from './runs.js';

export const IN_TOTO_STATEMENT = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE = 'https://slsa.dev/provenance/v1';
export const TRAINING_BUILD_TYPE = 'https://cairn.dev/build-types/training-run/v1';
export const DSSE_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const hex = (digest: string) => digest.replace(/^sha256:/, '');

/**
 * The lineage bundle of a training run: an in-toto Statement v1 whose subjects are the run's
 * outputs and whose predicate is SLSA Provenance v1 — `resolvedDependencies` are the datasets,
 * the code commit and the container image — in a DSSE envelope signed with the log's key.
 */
export function provenanceStatement(run: RunRecord, builderId: string): Record<string, unknown> {
  const dependencies: Record<string, unknown>[] = run.inputs.map((d) => ({
    uri: `cairn:dataset/${d.name ?? 'unregistered'}@${d.digest}`,
    digest: { sha256: hex(d.digest) },
    name: d.name ?? d.digest,
    annotations: { dataClasses: d.dataClasses ?? [], state: d.state ?? 'unknown' },
  }));
  if (run.code) dependencies.push({ uri: `git+${run.code.repository}@${run.code.commit}`, digest: { gitCommit: run.code.commit } });
  if (run.image) dependencies.push({ uri: run.image.name ?? `oci://${run.image.digest}`, digest: { sha256: hex(run.image.digest) } });
  return {
    _type: IN_TOTO_STATEMENT,
    subject: run.outputs.map((o) => ({ name: o.name, digest: { sha256: hex(o.digest) } })),
    predicateType: SLSA_PROVENANCE,
    predicate: {
      buildDefinition: {
        buildType: TRAINING_BUILD_TYPE,
        externalParameters: { parameters: run.parameters ?? {}, ...(run.code ? { code: run.code } : {}) },
        internalParameters: { environment: run.environment ?? {} },
        resolvedDependencies: dependencies,
      },
      runDetails: {
        builder: { id: builderId },
        metadata: { invocationId: run.id, startedOn: run.startedAt, ...(run.endedAt ? { finishedOn: run.endedAt } : {}) },
        byproducts: [{ name: 'metrics', content: toBase64(Buffer.from(JSON.stringify(run.metrics ?? {}), 'utf8')), mediaType: 'application/json' }],
      },
    },
  };
}

export function signEnvelope(signer: LogSigner, statement: unknown): DsseEnvelope {
  const payload = Buffer.from(JSON.stringify(statement), 'utf8');
  const sig = signer.sign(pae(DSSE_PAYLOAD_TYPE, payload));
  return { payloadType: DSSE_PAYLOAD_TYPE, payload: toBase64(payload), signatures: [{ keyid: signer.verifierKey, sig: toBase64(sig) }] };
}
