import type { PackageFailure, PackageScope, PackageSummary } from './package-result.js';

/** The human summary `cairn-verify` prints for a verified package. */
export function describeSummary(file: string, s: PackageSummary): string {
  const { entries, checkpoint, key, evidence } = s;
  const lines: string[] = [`OK: ${file} is a valid ${s.format} package.`, '', 'What it proves:'];
  if (entries.count === 0) {
    lines.push('  - the package holds no ledger entries;');
  } else {
    const indices = entries.count === 1 ? `index ${entries.firstIndex}` : `indices ${entries.firstIndex} to ${entries.lastIndex}`;
    const times = entries.firstTime === entries.lastTime ? `at ${entries.firstTime}` : `from ${entries.firstTime} to ${entries.lastTime}`;
    lines.push(
      `  - ${plural(entries.count, 'ledger entry', 'ledger entries')} (${indices}), recorded ${times},`,
      `    ${entries.count === 1 ? 'is' : 'are'} in the log's signed history: each is included, at its index, in the tree of`,
      '    the checkpoint below, so none can be altered, removed, reordered or back-dated;',
    );
  }
  lines.push(`  - every file (${count(s.files)}) matches manifest.json, SHA-256 and size, and the log key signed manifest.json;`);
  if (evidence.files > 0) {
    lines.push(`  - ${plural(evidence.files, 'evidence file is', 'evidence files are')} what the entries commit to by SHA-256;`);
  }
  if (evidence.dsseBundles > 0) {
    lines.push(`  - ${plural(evidence.dsseBundles, 'lineage bundle (DSSE envelope) is', 'lineage bundles (DSSE envelopes) are')} signed by the log key.`);
  }
  lines.push(
    '',
    `Scope:       ${describeScope(s.scope)}`,
    `Checkpoint:  ${checkpoint.origin}, tree size ${checkpoint.treeSize}, root hash ${checkpoint.rootHash}`,
    `Signed by:   ${key.vkey}`,
    `             (Ed25519, SubjectPublicKeyInfo SHA-256 ${key.fingerprint})`,
  );
  if (key.pinned) {
    lines.push('Key:         pinned: it is the key given with --key.');
  } else {
    lines.push(
      'Key:         NOT PINNED. The key was taken from the package itself (keys/log.vkey), so this',
      '             only proves the package is consistent with its own key. Compare the key or its',
      '             fingerprint above with the one your organisation published, or run again with',
      '             --key to check it.',
    );
  }
  if (s.newerCheckpoint !== undefined) {
    lines.push(
      `Newer:       the checkpoint at tree size ${s.newerCheckpoint.treeSize} (root hash ${s.newerCheckpoint.rootHash}),`,
      '             signed by the same key, extends the package\'s checkpoint (consistency proof verified).',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `FAILED: <file>: <check>: <message>`. */
export function describeFailure(failure: PackageFailure): string {
  return `FAILED: ${failure.file}: ${failure.check}: ${failure.message}\n`;
}

function describeScope(scope: PackageScope): string {
  switch (scope.kind) {
    case 'model':
      return `model ${scope.model}@${scope.version}`;
    case 'time':
      return `entries from ${scope.from} to ${scope.to}`;
    case 'subject':
      return `subject ${scope.subject}`;
  }
}

function plural(n: number, one: string, many: string): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
