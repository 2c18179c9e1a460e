import type { Control, ControlsDocument } from './controls.js';
import type { DatasetFact, ExportFacts, ExportScope, ModelFact, RefusalFact, VersionFact } from './facts.js';

/**
 * report.html: what a compliance package holds, for a person. One self-contained HTML5 page — no
 * script, no external asset, a Content-Security-Policy that forbids both — so that it opens the
 * same way offline in ten years and cannot call home. It is derived from the facts alone (no
 * clock, no randomness): the same package always carries the same report. The report is a reading
 * aid; the evidence is the signed entries it points at (`#123` → entries/000000000123.json).
 */

/** Markup that is already safe; everything else interpolated into `html` is escaped. */
class Html {
  constructor(readonly value: string) {}
}
type Part = Html | string | number | null | undefined | false | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

function render(p: Part): string {
  if (p instanceof Html) return p.value;
  if (Array.isArray(p)) return p.map(render).join('');
  if (p === null || p === undefined || p === false) return '';
  return escape(String(p));
}

function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  return new Html(strings.reduce((out, s, i) => out + render(parts[i - 1] ?? null) + s));
}

// ---------------------------------------------------------------------------------------------
// Small pieces
// ---------------------------------------------------------------------------------------------

/** `#123` linking to the entry's leaf bytes in the package. */
const idx = (i: number) =>
  Number.isSafeInteger(i) && i >= 0 ? html`<a class="idx" href="entries/${String(i).padStart(12, '0')}.json">#${i}</a>` : html`<span class="none">(entry not in this package)</span>`;
const idxs = (is: readonly number[]) => join(is.map(idx), ', ');
/** An evidence file path, linked only when it has the package's own shape (never a URL). */
const file = (path: string) => (/^evidence\/[0-9a-f]{64}(\.[a-z0-9]+)+$/.test(path) ? html`<a class="file" href="${path}"><code>${path}</code></a>` : html`<code>${path}</code>`);
const code = (s: string | null | undefined) => (s === null || s === undefined || s === '' ? html`<span class="none">—</span>` : html`<code>${s}</code>`);
const time = (s: string | null | undefined) => (s === null || s === undefined || s === '' ? html`<span class="none">—</span>` : html`<time datetime="${s}">${s}</time>`);
const text = (s: string | null | undefined) => (s === null || s === undefined || s === '' ? html`<span class="none">—</span>` : s);
const join = (parts: readonly Part[], sep: string | Html) => parts.flatMap((p, i) => (i === 0 ? [p] : [sep, p]));
const words = (xs: readonly string[]) => (xs.length === 0 ? html`<span class="none">none</span>` : join(xs.map((x) => html`<span class="tag">${x}</span>`), ' '));
/** A sentence from controls.json, its `#N` ledger indices made links. */
const sentence = (s: string) => s.split(/#(\d+)\b/).map((part, i) => (i % 2 === 1 ? idx(Number(part)) : part));
const none = (what = 'None in scope.') => html`<p class="none">${what}</p>`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** 1234567 → "1,234,567" without the locale (the report must not depend on where it is built). */
const num = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${num(n)} bytes` : `${v.toFixed(1)} ${units[u]} (${num(n)} bytes)`;
}

interface TableOptions {
  /** Said instead of an empty table. */
  readonly empty?: string;
  /** Keep the caption for screen readers only, when a heading just above says the same. */
  readonly hiddenCaption?: boolean;
  readonly className?: string;
}

function table(caption: string, head: readonly string[], rows: readonly (readonly Part[])[], options: TableOptions = {}): Html {
  if (rows.length === 0) return html`<p class="none"><span class="caption">${caption}:</span> ${options.empty ?? 'None in scope.'}</p>`;
  return html`<table${options.className ? html` class="${options.className}"` : ''}><caption${options.hiddenCaption ? html` class="visually-hidden"` : ''}>${caption}</caption><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`,
  )}</tbody></table>`;
}

function dl(items: readonly (readonly [string, Part])[]): Html {
  return html`<dl class="facts">${items.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

function section(id: string, title: string, body: Part): Html {
  return html`<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${title}</h2>${body}</section>`;
}

function scopeText(s: ExportScope): string {
  switch (s.kind) {
    case 'model':
      return `model ${s.model}, version ${s.version}, with its deployments, lineage and the policy versions in force`;
    case 'time':
      return `every entry from ${s.from} (inclusive) to ${s.to} (exclusive)`;
    case 'subject':
      return `every entry whose subject is ${s.subject}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

function header(f: ExportFacts, controls: ControlsDocument): Html {
  const { log, entries } = f;
  return html`<header>
<p class="kicker">Cairn compliance package · cairn-export/v1</p>
<h1>Compliance package report</h1>
<p class="scope"><strong>Scope:</strong> ${scopeText(f.scope)}.</p>
${dl([
  ['Log origin', code(log.origin)],
  ['Checkpoint tree size', num(log.treeSize)],
  ['Checkpoint root hash', code(log.rootHash)],
  ['Log key fingerprint (SHA-256 of the public key, DER)', code(log.keyFingerprint)],
  ['Verifier key', code(log.verifierKey)],
  ['As of (time of the checkpoint’s last entry)', time(log.asOf)],
  ['Entries in this package', entries.first && entries.last ? html`${num(entries.count)} (${idx(entries.first.index)} to ${idx(entries.last.index)})` : num(entries.count)],
])}
<div class="verify" role="note" aria-labelledby="verify-h">
<h2 id="verify-h">How to verify this package</h2>
<p>This report is a reading aid. The evidence is the signed ledger entries in <code>entries/</code>, each proven into the signed <code>checkpoint</code>, and the files listed in the signed <code>manifest.json</code>. ${controls.integrity.statement}</p>
<ol>
<li>Obtain the log’s public key independently (your organisation publishes it) and check that its fingerprint is <code>${log.keyFingerprint}</code>.</li>
<li>Follow <code>VERIFY.md</code> in this package (<code>sha256sum</code>, <code>openssl</code> and a page of Python), or run <code>cairn-verify PACKAGE.tar --key "$(cat published-log-key.vkey)"</code> from <code>@cairn/verify</code>.</li>
<li>Every <span class="idx">#N</span> below is the ledger index of the entry that records the fact: <code>entries/</code> holds its exact bytes and its inclusion proof.</li>
</ol>
</div>
</header>`;
}

function summary(f: ExportFacts, c: ControlsDocument): Html {
  const versions = f.models.flatMap((m) => m.versions);
  const figures: [string, number][] = [
    ['ledger entries', f.entries.count],
    ['models', f.models.length],
    ['model versions', versions.length],
    ['approvals', versions.reduce((n, v) => n + v.approvals.length, 0)],
    ['refused or failed actions', versions.reduce((n, v) => n + v.refusals.length, 0)],
    ['datasets', f.datasets.length],
    ['training runs', f.runs.length],
    ['deployments', f.deployments.filter((d) => d.rollbackOf === null).length],
    ['rollbacks', f.deployments.filter((d) => d.rollbackOf !== null).length],
    ['policy versions', f.policies.length],
    ['evidence files', f.evidence.length],
  ];
  return section(
    'summary',
    'Summary',
    html`<ul class="figures">${figures.map(([k, n]) => html`<li><span class="n">${num(n)}</span> ${k}</li>`)}</ul>
<p>Controls: <strong>${c.summary.evidenced}</strong> evidenced, <strong>${c.summary.partial}</strong> partial, <strong>${c.summary.notInScope}</strong> not in scope (see <a href="#controls">Controls mapping</a> and <code>controls.json</code>).</p>
${table(
  'Entries by kind',
  ['Kind', 'Count'],
  f.entries.byKind.map((k) => [code(k.kind), num(k.count)]),
)}`,
  );
}

function refusalRows(rs: readonly RefusalFact[]): Part[][] {
  return rs.map((r) => [idx(r.ledgerIndex), code(r.kind), r.actor, time(r.at), r.reasons.length === 0 ? text(null) : html`<ul class="reasons">${r.reasons.map((x) => html`<li>${x}</li>`)}</ul>`]);
}

function version(v: VersionFact, model: ModelFact, id: string): Html {
  return html`<article class="version" aria-labelledby="${id}">
<h4 id="${id}">${model.name} ${v.version} <span class="sub">(${v.id}, ${idx(v.ledgerIndex)})</span></h4>
${dl([
  ['State', html`<strong>${v.state}</strong>`],
  ['Author', v.author],
  ['Trainer', text(v.trainer)],
  ['Submitted by', text(v.submittedBy)],
  ['Training run', code(v.runId)],
  ['Data classes', words(v.dataClasses)],
  ['Use cases', words(v.useCases)],
  ['Zones', words(v.zones)],
  ['Registered', time(v.createdAt)],
  ['Approval expires', time(v.approvalExpiresAt)],
])}
${table(
  'Evidence',
  ['Entry', 'Kind', 'Title', 'File', 'Added by', 'Added at'],
  v.evidence.map((e) => [idx(e.ledgerIndex), e.kind, e.title, file(e.path), e.author, time(e.addedAt)]),
  { empty: 'No evidence documents.' },
)}
${table(
  'Approvals',
  ['Entry', 'Reviewer', 'Role', 'Time', 'Valid', 'Reason'],
  v.approvals.map((a) => [idx(a.ledgerIndex), a.approver, a.role, time(a.at), a.valid ? 'valid' : html`<strong>no longer valid</strong> (evidence changed)`, a.reason]),
  { empty: 'No approvals.' },
)}
${table(
  'Waivers',
  ['Entry', 'Rule', 'Requested by', 'State', 'Decided by', 'Expires', 'Reason'],
  v.waivers.map((w) => [idx(w.ledgerIndex), code(w.rule), w.requestedBy, w.state, text(w.decidedBy), time(w.expiresAt), w.reason]),
  { empty: 'No waivers.' },
)}
${table('Refused or failed actions', ['Entry', 'Kind', 'Actor', 'Time', 'Reasons'], refusalRows(v.refusals), { empty: 'No refusals.' })}
</article>`;
}

function models(f: ExportFacts): Html {
  return section(
    'models',
    'Models and versions',
    f.models.length === 0
      ? none()
      : f.models.map(
          (m, i) => html`<article class="model" aria-labelledby="model-${i}">
<h3 id="model-${i}">Model ${m.name} <span class="sub">(${idx(m.ledgerIndex)})</span></h3>
<p>${m.description}</p>
${dl([
  ['Owner', m.owner],
  ['Use case', m.useCase],
  ['Risk tier', m.riskTier],
  ['Registered', html`${m.createdBy} at ${time(m.createdAt)}`],
])}
${m.versions.length === 0 ? none('No version in scope.') : m.versions.map((v, j) => version(v, m, `model-${i}-version-${j}`))}
</article>`,
        ),
  );
}

function derivation(d: DatasetFact, names: ReadonlyMap<string, string>): Part {
  if (d.derivation === null) return html`source: ${text(d.sourceSystem)}`;
  const { from, excluded, reason } = d.derivation;
  return html`derived from ${join(
    from.map((p) => (names.has(p) ? html`${names.get(p)} <code class="digest">${p}</code>` : code(p))),
    ', ',
  )}${excluded === undefined ? '' : html`; <strong>${plural(excluded, 'object')} excluded</strong>${reason ? html` — ${reason}` : ''}`}`;
}

function lineage(f: ExportFacts): Html {
  const names = new Map(f.datasets.map((d) => [d.digest, d.name]));
  const datasets = table(
    'Datasets',
    ['Entry', 'Dataset', 'State', 'Data classes', 'Governance', 'Contents', 'Provenance', 'Registered'],
    f.datasets.map((d) => [
      idx(d.ledgerIndex),
      html`${d.name}<br><code class="digest">${d.digest}</code>`,
      html`${d.state}${d.certifiedAt ? html`<br>at ${time(d.certifiedAt)}` : ''}`,
      words(d.dataClasses),
      html`owner: ${text(d.owner)}<br>legal basis: ${text(d.legalBasis)}<br>retention: ${text(d.retentionClass)}`,
      html`${num(d.objectCount)} ${d.objectCount === 1 ? 'object' : 'objects'}<br>${bytes(d.totalBytes)}`,
      derivation(d, names),
      html`${d.registeredBy}<br>${time(d.registeredAt)}`,
    ]),
    { hiddenCaption: true },
  );
  const runs = table(
    'Training runs',
    ['Entry', 'Run', 'State', 'Trainer', 'Inputs', 'Code', 'Image', 'Lineage bundle'],
    f.runs.map((r) => [
      idx(r.ledgerIndex),
      html`${r.name}<br><code>${r.id}</code><br>${time(r.startedAt)} – ${time(r.endedAt)}`,
      r.state,
      r.trainer,
      r.inputs.length === 0 ? text(null) : html`<ul class="plain">${r.inputs.map((i) => html`<li>${names.has(i) ? html`${names.get(i)} ` : ''}<code class="digest">${i}</code></li>`)}</ul>`,
      r.code ? html`<code>${r.code.repository}</code><br>commit <code class="digest">${r.code.commit}</code>` : text(null),
      code(r.image),
      html`${r.bundle === null ? text(null) : file(r.bundle)}<br>lineage ${r.lineageComplete === true ? 'complete' : r.lineageComplete === false ? html`<strong>incomplete</strong>` : 'not assessed'}`,
    ]),
    { hiddenCaption: true },
  );
  return section('lineage', 'Data lineage', html`<h3>Datasets</h3>${datasets}<h3>Training runs</h3>${runs}`);
}

function deployments(f: ExportFacts): Html {
  const row = (d: ExportFacts['deployments'][number]) => [
    idx(d.ledgerIndex),
    code(d.id),
    html`${d.model} ${d.version ?? ''}<br><code>${d.versionId}</code>`,
    html`${d.zone} / ${d.environment}`,
    d.state,
    d.deployedBy,
    html`${time(d.startedAt)} – ${time(d.endedAt)}`,
    d.rollbackOf === null ? html`previous version: ${code(d.previousVersionId)}` : html`rolled back ${code(d.rollbackOf)}`,
    d.reason,
  ];
  const head = ['Entry', 'Deployment', 'Version', 'Zone / environment', 'State', 'By', 'Active', 'History', 'Reason'];
  const refused = f.models.flatMap((m) => m.versions.flatMap((v) => v.refusals.filter((r) => r.kind.startsWith('deployment.') || r.kind.startsWith('admission.'))));
  return section(
    'deployments',
    'Deployments and rollbacks',
    html`${table('Deployments', head, f.deployments.filter((d) => d.rollbackOf === null).map(row))}
${table('Rollbacks', head, f.deployments.filter((d) => d.rollbackOf !== null).map(row))}
${table('Refused placements', ['Entry', 'Kind', 'Actor', 'Time', 'Reasons'], refusalRows(refused))}`,
  );
}

function policies(f: ExportFacts): Html {
  return section(
    'policies',
    'Policy versions in force',
    table(
      'Policy versions',
      ['Entry', 'Policy', 'Status', 'Proposed', 'Decided', 'Reason'],
      f.policies.map((p) => [
        idx(p.ledgerIndex),
        html`<code>${p.id}</code><br><code class="digest">${p.hash}</code>`,
        p.status,
        html`${p.proposedBy}<br>${time(p.proposedAt)}`,
        p.decidedBy === null ? text(null) : html`${p.decidedBy}<br>${time(p.decidedAt)}`,
        p.reason,
      ]),
    ),
  );
}

function evidenceFiles(f: ExportFacts): Html {
  return section(
    'evidence',
    'Evidence files',
    table(
      'Files under evidence/',
      ['File', 'Kind', 'Title', 'Media type', 'Size', 'Committed by'],
      f.evidence.map((e) => [file(e.path), e.kind, e.title, code(e.mediaType), bytes(e.size), idxs(e.committedBy)]),
    ),
  );
}

function timeline(f: ExportFacts): Html {
  const note = f.timelineTruncated
    ? html`<p class="note" role="note">The timeline lists the first ${num(f.timeline.length)} of ${num(f.entries.count)} entries. Every entry is in <code>entries/</code> with its proof.</p>`
    : '';
  return section(
    'timeline',
    'Timeline',
    html`${note}${table(
      'Entries in index order',
      ['Entry', 'Time', 'Kind', 'Subject', 'Actor'],
      f.timeline.map((t) => [idx(t.index), time(t.time), code(t.kind), code(t.subject), t.elevation === undefined ? t.actor : html`${t.actor} <strong>(break-glass ${t.elevation})</strong>`]),
    )}`,
  );
}

function controlRow(x: Control): Part[] {
  const { entries, files, facts } = x.evidence;
  const evidence: Part[] = [
    entries.length > 0 &&
      html`<p class="ev-h">Entries</p><ul class="plain">${entries.map(
        (e) => html`<li><code>${e.kind}</code> ×${num(e.count)}${e.indices.length > 0 ? html`: ${idxs(e.indices)}${e.count > e.indices.length ? ` … (${num(e.count - e.indices.length)} more)` : ''}` : ''}</li>`,
      )}</ul>`,
    files.length > 0 && html`<p class="ev-h">Files</p><ul class="plain">${files.map((p) => html`<li>${file(p)}</li>`)}</ul>`,
    facts.length > 0 && html`<p class="ev-h">Facts</p><ul class="facts-list">${facts.map((t) => html`<li>${sentence(t)}</li>`)}</ul>`,
  ];
  return [html`<strong>${x.title}</strong><br><code>${x.id}</code><p class="asks">${x.asks}</p>`, html`<span class="status status-${x.status}">${x.status}</span>`, sentence(x.reason), entries.length + files.length + facts.length === 0 ? text(null) : evidence];
}

function controlsSection(c: ControlsDocument): Html {
  return section(
    'controls',
    'Controls mapping',
    html`<p>Which evidence in this package supports which control; the same mapping is in <code>controls.json</code>. A status says what this package shows, not whether the organisation complies: <em>evidenced</em> — every part the control asks for is shown; <em>partial</em> — the reason names what is missing; <em>not-in-scope</em> — nothing in the scope bears on it.</p>
${c.frameworks.map(
  (fw) => html`<h3 id="fw-${fw.id}">${fw.title}</h3><p class="source">${fw.source}</p>${table(fw.title, ['Control', 'Status', 'Why', 'Evidence in this package'], fw.controls.map(controlRow), { empty: 'No controls.', hiddenCaption: true, className: 'controls' })}`,
)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

// Inline only: no @import, no url(), no web fonts. Printing is a first-class use (auditors print).
const CSS = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #5a5a5a; --rule: #c8c8c8; --band: #f3f4f6; --ok: #14532d; --ok-bg: #dcfce7; --part: #713f12; --part-bg: #fef3c7; --out: #374151; --out-bg: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 78rem; padding: 1.5rem; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 1.9em; margin: .2rem 0 .6rem; }
h2 { font-size: 1.4em; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.15em; margin: 1.4rem 0 .5rem; }
h4 { font-size: 1em; margin: 1.2rem 0 .4rem; }
.sub, .kicker, .source, .asks, .none, .caption { color: var(--muted); }
.kicker { text-transform: uppercase; letter-spacing: .06em; font-size: .8em; margin: 0; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: .86em; overflow-wrap: anywhere; }
a { color: #1d4ed8; }
a.idx, span.idx { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .86em; white-space: nowrap; }
nav ol { columns: 2; margin: .4rem 0; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: .3rem 1.2rem; margin: .6rem 0; }
dl.facts div { min-width: 0; }
dt { font-size: .8em; color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
.verify { border: 1px solid var(--rule); background: var(--band); padding: .4rem 1rem; margin: 1rem 0; }
.verify h2 { border: 0; margin-top: .6rem; font-size: 1.1em; }
ul.figures { display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; list-style: none; }
ul.figures li { border: 1px solid var(--rule); padding: .4rem .7rem; min-width: 8rem; }
ul.figures .n { display: block; font-size: 1.4em; font-weight: 600; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; font-size: .88em; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid var(--rule); padding: .3rem .45rem; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td code, .facts-list li, .reasons li { overflow-wrap: anywhere; }
table.controls td:nth-child(1) { width: 22%; }
table.controls td:nth-child(2) { width: 9%; }
table.controls td:nth-child(3) { width: 20%; }
time { white-space: nowrap; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .82em; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
thead th { background: var(--band); }
ul.plain, ul.reasons, ul.facts-list { margin: 0; padding-left: 1.1rem; }
ul.plain { list-style: none; padding-left: 0; }
.ev-h { margin: .3rem 0 0; font-size: .8em; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.asks { margin: .3rem 0 0; font-size: .9em; }
.tag { display: inline-block; border: 1px solid var(--rule); border-radius: 3px; padding: 0 .3rem; font-size: .85em; }
.digest { font-size: .78em; }
.status { display: inline-block; padding: .05rem .4rem; border-radius: 3px; font-weight: 600; white-space: nowrap; border: 1px solid currentColor; }
.status-evidenced { color: var(--ok); background: var(--ok-bg); }
.status-partial { color: var(--part); background: var(--part-bg); }
.status-not-in-scope { color: var(--out); background: var(--out-bg); }
article.model { margin-bottom: 1.5rem; }
article.version { border-left: 3px solid var(--rule); padding-left: .9rem; margin: 1rem 0; }
.note { border-left: 3px solid var(--part); padding: .3rem .7rem; background: var(--part-bg); }
footer { margin-top: 2rem; font-size: .8em; color: var(--muted); border-top: 1px solid var(--rule); padding-top: .5rem; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9pt; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  h2 { break-before: page; break-after: avoid; }
  header h2, .verify h2 { break-before: auto; }
  h3, h4, caption { break-after: avoid; }
  thead { display: table-header-group; }
  tr, li, .verify, dl.facts div { break-inside: avoid; }
  table { font-size: 7.5pt; }
  time { white-space: normal; }
  .status { background: none !important; }
  .verify, thead th, .note { background: none; }
}
`;

// Defence in depth: even if a string escaped the escaping, the browser would load and run nothing.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; form-action 'none'; base-uri 'none'";

/**
 * The package's report.html, from its facts and its controls mapping.
 *
 * @example
 * const controls = buildControls(facts);
 * files.set('report.html', reportHtml(facts, controls));
 */
export function reportHtml(facts: ExportFacts, controls: ControlsDocument): string {
  const title = `Cairn compliance package — ${scopeText(facts.scope)}`;
  const sections: [string, string][] = [
    ['summary', 'Summary'],
    ['models', 'Models and versions'],
    ['lineage', 'Data lineage'],
    ['deployments', 'Deployments and rollbacks'],
    ['policies', 'Policy versions in force'],
    ['evidence', 'Evidence files'],
    ['timeline', 'Timeline'],
    ['controls', 'Controls mapping'],
  ];
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new Html(CSS)}</style>
</head>
<body>
${header(facts, controls)}
<nav aria-label="Contents"><ol>${sections.map(([id, t]) => html`<li><a href="#${id}">${t}</a></li>`)}</ol></nav>
<main>
${summary(facts, controls)}
${models(facts)}
${lineage(facts)}
${deployments(facts)}
${policies(facts)}
${evidenceFiles(facts)}
${timeline(facts)}
${controlsSection(controls)}
</main>
<footer><p>Generated by Cairn from the ledger entries in this package, as of ${facts.log.asOf} (checkpoint of tree size ${num(facts.log.treeSize)} for ${facts.log.origin}). The report holds no information about who exported it or when; the ledger records that.</p></footer>
</body>
</html>
`;
  return page.value;
}
