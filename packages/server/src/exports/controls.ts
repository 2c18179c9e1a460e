import type { ExportFacts, ExportScope } from './facts.js';

/**
 * controls.json: which evidence in a compliance package supports which control of the frameworks
 * an examiner of a regulated AI factory asks about. The mapping is static (the tables in
 * controls-frameworks.ts); what each control cites — entry kinds with their ledger indices, evidence files,
 * derived facts — and its status are computed from the package's facts alone, so the same scope at
 * the same checkpoint gives the same bytes.
 *
 * A status says what THIS package shows, not whether the organisation complies:
 * `evidenced` — the package holds evidence of every part the control asks for;
 * `partial` — some parts are shown, the reason names what is missing;
 * `not-in-scope` — nothing in the scope bears on the control (say, a time range with no model).
 */

import { Context, INTEGRITY_FILES, sorted, type ControlStatus, type EntryEvidence } from './controls-context.js';
import { FRAMEWORKS } from './controls-frameworks.js';

export { INDEX_LIMIT, type ControlStatus, type EntryEvidence } from './controls-context.js';

export interface Control {
  readonly id: string;
  readonly title: string;
  /** What the control asks for, in one line. */
  readonly asks: string;
  readonly status: ControlStatus;
  readonly reason: string;
  readonly evidence: { readonly entries: readonly EntryEvidence[]; readonly files: readonly string[]; readonly facts: readonly string[] };
}

export interface Framework {
  readonly id: string;
  readonly title: string;
  /** The text the controls come from. */
  readonly source: string;
  readonly controls: readonly Control[];
}

export interface ControlsDocument {
  readonly format: 'cairn-controls/v1';
  readonly scope: ExportScope;
  readonly log: { readonly origin: string; readonly treeSize: number; readonly rootHash: string; readonly keyFingerprint: string; readonly asOf: string };
  readonly entries: number;
  /** The package-level evidence every entry shares, and the controls it supports. */
  readonly integrity: { readonly statement: string; readonly files: readonly string[]; readonly supports: readonly string[] };
  readonly summary: { readonly evidenced: number; readonly partial: number; readonly notInScope: number };
  readonly frameworks: readonly Framework[];
}

const INTEGRITY_SUPPORTS = ['eu-ai-act.art-12', 'hipaa.164.312(b)', 'pci-dss.10.3'];
const INTEGRITY_STATEMENT =
  'Every entry in entries/ carries an RFC 9162 inclusion proof into the signed checkpoint, so no entry can be altered, removed, reordered or back-dated without detection; manifest.json lists every file with its SHA-256 and is signed by the log key (manifest.sig). An examiner verifies both offline with VERIFY.md or cairn-verify.';


/**
 * Maps a package's facts onto the controls of SR 11-7, the EU AI Act, HIPAA, SOX, PCI DSS and GDPR.
 *
 * @example
 * const doc = buildControls(facts);
 * files.set('controls.json', controlsJson(doc));
 */
export function buildControls(facts: ExportFacts): ControlsDocument {
  const c = new Context(facts);
  const frameworks: Framework[] = FRAMEWORKS.map((fw) => ({
    id: fw.id,
    title: fw.title,
    source: fw.source,
    controls: fw.rules.map((rule) => {
      const a = rule.assess(c);
      return {
        id: rule.id,
        title: rule.title,
        asks: rule.asks,
        status: a.status,
        reason: a.reason,
        evidence: { entries: c.entries(a.kinds ?? []), files: sorted(a.files ?? []), facts: a.facts ?? [] },
      };
    }),
  }));
  const all = frameworks.flatMap((fw) => fw.controls);
  const { origin, treeSize, rootHash, keyFingerprint, asOf } = facts.log;
  return {
    format: 'cairn-controls/v1',
    scope: facts.scope,
    log: { origin, treeSize, rootHash, keyFingerprint, asOf },
    entries: facts.entries.count,
    integrity: { statement: INTEGRITY_STATEMENT, files: INTEGRITY_FILES, supports: INTEGRITY_SUPPORTS },
    summary: {
      evidenced: all.filter((x) => x.status === 'evidenced').length,
      partial: all.filter((x) => x.status === 'partial').length,
      notInScope: all.filter((x) => x.status === 'not-in-scope').length,
    },
    frameworks,
  };
}

/** controls.json's bytes: keys in a fixed order whatever the input's, 2-space indent, trailing newline. */
export function controlsJson(doc: ControlsDocument): string {
  const scope = doc.scope.kind === 'model'
    ? { kind: 'model', model: doc.scope.model, version: doc.scope.version }
    : doc.scope.kind === 'time'
      ? { kind: 'time', from: doc.scope.from, to: doc.scope.to }
      : { kind: 'subject', subject: doc.scope.subject };
  const ordered = {
    format: doc.format,
    scope,
    log: { origin: doc.log.origin, treeSize: doc.log.treeSize, rootHash: doc.log.rootHash, keyFingerprint: doc.log.keyFingerprint, asOf: doc.log.asOf },
    entries: doc.entries,
    integrity: { statement: doc.integrity.statement, files: doc.integrity.files, supports: doc.integrity.supports },
    summary: { evidenced: doc.summary.evidenced, partial: doc.summary.partial, notInScope: doc.summary.notInScope },
    frameworks: doc.frameworks.map((fw) => ({
      id: fw.id,
      title: fw.title,
      source: fw.source,
      controls: fw.controls.map((x) => ({
        id: x.id,
        title: x.title,
        asks: x.asks,
        status: x.status,
        reason: x.reason,
        evidence: {
          entries: x.evidence.entries.map((e) => ({ kind: e.kind, count: e.count, indices: e.indices })),
          files: x.evidence.files,
          facts: x.evidence.facts,
        },
      })),
    })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
