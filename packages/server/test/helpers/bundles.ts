import { parseVerifierKey, statementIssues, verifyEnvelope, type DsseEnvelope } from '@cairn/verify';
import type { Cairn } from '../../src/server.js';

/**
 * What a third-party validator would reject in one lineage bundle: the DSSE envelope (payload
 * type, signature by the log key), then the in-toto Statement v1 / SLSA Provenance v1 rules
 * (@cairn/verify statementIssues, written from the specs), then what Cairn promises on top: each
 * subject named, the trainer and completer inside the signed statement.
 */
export function bundleIssues(envelope: DsseEnvelope, verifierKey: string): string[] {
  if (envelope.payloadType !== 'application/vnd.in-toto+json') return [`payloadType ${envelope.payloadType}`];
  let statement: any;
  try {
    statement = JSON.parse(Buffer.from(verifyEnvelope(envelope, parseVerifierKey(verifierKey))).toString('utf8'));
  } catch (err) {
    return [`the envelope does not verify: ${(err as Error).message}`];
  }
  const issues = statementIssues(statement);
  (statement?.subject ?? []).forEach((s: { name?: unknown }, i: number) => typeof s?.name !== 'string' && issues.push(`subject[${i}].name: Cairn names every output`));
  const internal = statement?.predicate?.buildDefinition?.internalParameters;
  if (typeof internal?.trainer !== 'string' || typeof internal?.completedBy !== 'string') issues.push('internalParameters: the trainer and completer are part of the signed statement');
  return issues;
}

/** Checks every bundle this Cairn's store holds; throws listing each problem by run. */
export async function assertBundlesConform(cairn: Cairn): Promise<number> {
  const rows = await cairn.store.db.selectFrom('training_runs').select(['id', 'bundle']).where('bundle', 'is not', null).execute();
  const problems = rows.flatMap((r) => bundleIssues(JSON.parse(r.bundle!) as DsseEnvelope, cairn.ledger.signer.verifierKey).map((p) => `${r.id}: ${p}`));
  if (problems.length > 0) throw new Error(`lineage bundles a validator would reject:\n${problems.join('\n')}`);
  return rows.length;
}
