import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildControls, controlsJson, INDEX_LIMIT, type Control, type ControlsDocument } from '../src/exports/controls.js';
import type { ExportFacts, TimelineItem } from '../src/exports/facts.js';
import { reportHtml } from '../src/exports/report.js';
import { AT, DS, emptyFacts, HOSTILE, hostileFacts, readmissionFacts, REPOSITORY } from './helpers/export-facts.js';

function control(doc: ControlsDocument, id: string): Control {
  const found = doc.frameworks.flatMap((fw) => fw.controls).find((c) => c.id === id);
  assert.ok(found, `control ${id} is in the mapping`);
  return found;
}
const indicesOf = (c: Control, kind: string) => c.evidence.entries.find((e) => e.kind === kind)?.indices;
const render = (f: ExportFacts) => reportHtml(f, buildControls(f));

describe('controls.json', () => {
  const doc = buildControls(readmissionFacts());

  it('covers the six frameworks, each control with a status and a reason', () => {
    assert.deepEqual(
      doc.frameworks.map((fw) => fw.id),
      ['sr-11-7', 'eu-ai-act', 'hipaa', 'sox', 'pci-dss', 'gdpr'],
    );
    for (const c of doc.frameworks.flatMap((fw) => fw.controls)) {
      assert.ok(['evidenced', 'partial', 'not-in-scope'].includes(c.status), c.id);
      assert.ok(c.reason.length > 0 && c.asks.length > 0 && c.title.length > 0, c.id);
    }
    const all = doc.frameworks.flatMap((fw) => fw.controls);
    assert.equal(doc.summary.evidenced + doc.summary.partial + doc.summary.notInScope, all.length);
    assert.equal(new Set(all.map((c) => c.id)).size, all.length, 'control ids are unique');
  });

  it('SOX change management is evidenced by the approvals and deployments, with their ledger indices', () => {
    const c = control(doc, 'sox.itgc.change-management');
    assert.equal(c.status, 'evidenced');
    assert.deepEqual(indicesOf(c, 'model_version.approval'), [...AT.approvals]);
    assert.deepEqual(indicesOf(c, 'deployment.created'), [AT.deployed]);
    assert.deepEqual(indicesOf(c, 'deployment.rolled_back'), [AT.rollback]);
    assert.deepEqual(indicesOf(c, 'model_version.validated'), [AT.validated]);
    assert.deepEqual(indicesOf(c, 'policy.activated'), [AT.policyBootstrap, AT.policyActivated]);
    assert.ok(c.evidence.facts.some((f) => f.includes(`#${AT.deployed}`) && f.includes('preceded by 3 approvals (#86, #88, #91)') && f.includes(`validation (#${AT.validated})`)), c.evidence.facts.join('\n'));
  });

  it('segregation of duties cites three distinct reviewers, none the author, and the refused self-approval', () => {
    const c = control(doc, 'sox.itgc.segregation-of-duties');
    assert.equal(c.status, 'evidenced');
    assert.ok(c.evidence.facts.some((f) => f.includes('approvals by 3 distinct reviewers') && f.includes('none by the author')));
    assert.ok(c.evidence.facts.some((f) => f.includes(`#${AT.selfApprovalRefused}`) && f.includes('authored this version and cannot approve it')));
    assert.deepEqual(indicesOf(c, 'model_version.approval_refused'), [AT.selfApprovalRefused]);
    assert.match(c.reason, /1 attempted self-approval refused/);
  });

  it('SR 11-7 effective challenge and validation are evidenced; the waiver is cited', () => {
    assert.equal(control(doc, 'sr-11-7.effective-challenge').status, 'evidenced');
    const v = control(doc, 'sr-11-7.validation');
    assert.equal(v.status, 'evidenced');
    assert.ok(v.evidence.facts.some((f) => f.includes('wvr_Age85p') && f.includes(`#${AT.waiverRequested}`)));
    assert.deepEqual(indicesOf(v, 'model_version.validation_failed'), [AT.validationFailed]);
    assert.ok(v.evidence.files.length >= 3, 'evaluation, fairness and red-team documents');
  });

  it('GDPR Article 30 lists the data classes and each dataset’s legal basis and retention', () => {
    const cats = control(doc, 'gdpr.art-30.1.c');
    assert.equal(cats.status, 'evidenced');
    assert.ok(cats.evidence.facts.includes('data classes: ephi'));
    const purposes = control(doc, 'gdpr.art-30.1.b');
    assert.equal(purposes.status, 'evidenced');
    assert.ok(purposes.evidence.facts.some((f) => f.startsWith(`legal basis for readmission-cohort-v3 #${AT.cohortRegistered}: HIPAA 45 CFR 164.506(c)`)));
    assert.equal(control(doc, 'gdpr.art-30.1.f').status, 'evidenced');
    assert.equal(control(doc, 'gdpr.art-30.1.e').status, 'partial', 'zone locations are not restated');
  });

  it('EU AI Act Art. 10 traces the derived dataset, its parents and its exclusions', () => {
    const c = control(doc, 'eu-ai-act.art-10');
    assert.equal(c.status, 'evidenced');
    assert.ok(c.evidence.facts.some((f) => f.includes('derived from ehr-encounters-2019-2025, adt-events-2019-2025') && f.includes('412 objects excluded')));
    assert.deepEqual(indicesOf(c, 'dataset.certified'), [AT.encountersCertified, AT.adtCertified, AT.cohortCertified]);
  });

  it('the package-level integrity evidence supports HIPAA 164.312(b), PCI DSS 10.3 and EU AI Act Art. 12', () => {
    assert.deepEqual(doc.integrity.supports, ['eu-ai-act.art-12', 'hipaa.164.312(b)', 'pci-dss.10.3']);
    for (const id of doc.integrity.supports) {
      const c = control(doc, id);
      assert.equal(c.status, 'evidenced', id);
      for (const file of ['checkpoint', 'manifest.json', 'manifest.sig']) assert.ok(c.evidence.files.includes(file), `${id} cites ${file}`);
      assert.ok(c.evidence.facts.some((f) => f.includes('inclusion proof') && f.includes('tree size 1187')), id);
    }
    assert.ok(control(doc, 'hipaa.164.312(b)').evidence.facts.some((f) => f.startsWith('ePHI in scope: dataset ehr-encounters-2019-2025')));
  });

  it('access evidence is partial in a model scope: a break-glass action without its grant', () => {
    const c = control(doc, 'sox.itgc.access');
    assert.equal(c.status, 'partial');
    assert.ok(c.evidence.facts.some((f) => f.includes(`#${AT.rollback}`) && f.includes('elv_Inc2291xQ')));
  });

  it('a version with no approvals leaves the review controls partial, and its deployment unapproved', () => {
    const f = readmissionFacts();
    const model = f.models[0]!;
    const noApprovals: ExportFacts = { ...f, models: [{ ...model, versions: model.versions.map((v) => ({ ...v, approvals: [], refusals: [] })) }] };
    const d = buildControls(noApprovals);
    assert.equal(control(d, 'sr-11-7.effective-challenge').status, 'partial');
    assert.equal(control(d, 'eu-ai-act.annex-iv.3').status, 'partial');
    const cm = control(d, 'sox.itgc.change-management');
    assert.equal(cm.status, 'partial');
    assert.match(cm.reason, new RegExp(`#${AT.deployed} had no approval before it`));
  });

  it('a dataset-only scope marks the review controls not-in-scope', () => {
    const f = readmissionFacts();
    const subject = `dataset:${DS.cohort}`;
    const timeline = f.timeline.filter((t) => t.subject === subject);
    const only: ExportFacts = {
      ...f,
      scope: { kind: 'subject', subject },
      entries: { count: timeline.length, first: timeline[0]!, last: timeline.at(-1)!, byKind: [{ kind: 'dataset.certified', count: 1 }, { kind: 'dataset.registered', count: 1 }] },
      timeline,
      models: [],
      runs: [],
      deployments: [],
      policies: [],
      evidence: [],
      datasets: f.datasets.filter((d) => d.digest === DS.cohort),
    };
    const d = buildControls(only);
    for (const id of ['sr-11-7.effective-challenge', 'sox.itgc.segregation-of-duties', 'sox.itgc.change-management', 'eu-ai-act.annex-iv.1']) assert.equal(control(d, id).status, 'not-in-scope', id);
    assert.equal(control(d, 'gdpr.art-30.1.c').status, 'evidenced');
    assert.equal(control(d, 'gdpr.art-30.1.d').status, 'partial');
  });

  it('a policy activation whose proposal is outside the scope does not pass as separated duties', () => {
    const f = readmissionFacts();
    // As the facts builder records it: the activator stands as proposer, at the activation's time.
    const policies = f.policies.map((p) => (p.reason === 'bootstrap' ? p : { ...p, proposedBy: p.decidedBy!, proposedAt: p.decidedAt! }));
    const d = buildControls({ ...f, models: [], deployments: [], policies });
    const sod = control(d, 'sox.itgc.segregation-of-duties');
    assert.equal(sod.status, 'partial');
    assert.match(sod.reason, /the proposal of policy pol_Feb2026Rev2 is not in this package/);
    assert.equal(control(buildControls({ ...f, models: [], deployments: [] }), 'sox.itgc.segregation-of-duties').status, 'evidenced', 'with the proposal, it is');
    assert.equal(control(buildControls({ ...f, models: [], deployments: [], policies: policies.filter((p) => p.reason === 'bootstrap') }), 'sox.itgc.segregation-of-duties').status, 'not-in-scope', 'the bootstrap is no decision');
  });

  it('a model whose registration is outside the scope is named, not cited as #-1', () => {
    const f = readmissionFacts();
    const model = { ...f.models[0]!, owner: '', useCase: '', riskTier: '', description: '', createdBy: '', createdAt: '', ledgerIndex: -1 };
    const facts: ExportFacts = { ...f, models: [model] };
    const d = buildControls(facts);
    assert.match(control(d, 'sr-11-7.governance').reason, /the registration of model readmission-risk is not in this package/);
    assert.ok(!controlsJson(d).includes('#-1'));
    assert.ok(!control(d, 'sr-11-7.development').evidence.entries.some((e) => e.indices.some((i) => i < 0)));
    const h = reportHtml(facts, d);
    assert.ok(!h.includes('#-1') && h.includes('(entry not in this package)'));
  });

  it('caps each index list at INDEX_LIMIT and keeps the total count', () => {
    const f = readmissionFacts();
    const many: TimelineItem[] = Array.from({ length: 120 }, (_, i) => ({ index: 300 + i, time: `2026-04-20T00:00:${String(i % 60).padStart(2, '0')}.000Z`, kind: 'token.issued', subject: `token:t${i}`, actor: 'admin' }));
    const timeline = [...f.timeline, ...many];
    const d = buildControls({ ...f, timeline, entries: { ...f.entries, count: timeline.length, last: many.at(-1)!, byKind: [...f.entries.byKind, { kind: 'token.issued', count: 120 }] } });
    const tokens = control(d, 'sox.itgc.access').evidence.entries.find((e) => e.kind === 'token.issued');
    assert.equal(tokens?.count, 120);
    assert.equal(tokens?.indices.length, INDEX_LIMIT);
    assert.deepEqual(tokens?.indices.slice(0, 2), [300, 301]);
    assert.equal(control(d, 'sox.itgc.access').status, 'evidenced');
  });

  it('counts come from byKind even when the timeline is truncated', () => {
    const f = readmissionFacts();
    const d = buildControls({ ...f, timeline: f.timeline.slice(0, 3), timelineTruncated: true });
    const approvals = control(d, 'sox.itgc.change-management').evidence.entries.find((e) => e.kind === 'model_version.approval');
    assert.equal(approvals?.count, 3);
    assert.deepEqual(approvals?.indices, [...AT.approvals], 'indices also come from the approvals themselves');
  });

  it('serialises deterministically: fixed key order, 2-space indent, trailing newline', () => {
    const a = controlsJson(buildControls(readmissionFacts()));
    const b = controlsJson(buildControls(readmissionFacts()));
    assert.equal(a, b);
    assert.ok(a.endsWith('}\n') && !a.endsWith('\n\n'));
    assert.match(a, /^\{\n {2}"format": "cairn-controls\/v1",\n {2}"scope": \{\n {4}"kind": "model",/);
    const reversed = JSON.parse(a, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)) as ControlsDocument;
    assert.equal(controlsJson(reversed), a, 'key order does not depend on the input object');
    assert.deepEqual(JSON.parse(a), JSON.parse(JSON.stringify(buildControls(readmissionFacts()))));
  });

  it('handles empty facts: every control not-in-scope', () => {
    const d = buildControls(emptyFacts());
    assert.equal(d.entries, 0);
    assert.equal(d.summary.notInScope, d.frameworks.flatMap((fw) => fw.controls).length);
    assert.ok(controlsJson(d).endsWith('\n'));
  });
});

describe('report.html', () => {
  const out = render(readmissionFacts());

  it('is byte-identical for the same facts', () => {
    assert.equal(render(readmissionFacts()), out);
  });

  it('is an accessible HTML5 page with the expected sections', () => {
    assert.ok(out.startsWith('<!DOCTYPE html>\n<html lang="en">'));
    assert.match(out, /<meta charset="utf-8">/);
    assert.equal((out.match(/<h1[ >]/g) ?? []).length, 1);
    for (const h of ['How to verify this package', 'Summary', 'Models and versions', 'Data lineage', 'Deployments and rollbacks', 'Policy versions in force', 'Evidence files', 'Timeline', 'Controls mapping']) {
      assert.match(out, new RegExp(`<h2 id="[a-z-]+">${h}</h2>`), h);
    }
    assert.ok((out.match(/<th scope="col">/g) ?? []).length > 20, 'tables have column headers');
    assert.match(out, /<caption>/);
  });

  it('shows the log, checkpoint and how to verify', () => {
    const f = readmissionFacts();
    for (const s of [f.log.origin, f.log.rootHash, f.log.keyFingerprint, f.log.asOf, '1,187', 'VERIFY.md', 'cairn-verify']) assert.ok(out.includes(s), s);
  });

  it('links every fact to its entry by ledger index', () => {
    const all = [...Object.values(AT).flat()];
    for (const i of all) assert.ok(out.includes(`<a class="idx" href="entries/${String(i).padStart(12, '0')}.json">#${i}</a>`), `#${i}`);
  });

  it('shows the refused self-approval, the refused placement, the approvals and the rollback', () => {
    for (const s of ['alice.moreau authored this version and cannot approve it', 'data class ephi may be placed only in hipaa-ai, not standard-ai', 'reviewer:model-risk', 'reviewer:compliance', 'reviewer:security', 'INC-2291', 'break-glass elv_Inc2291xQ', '412 objects excluded', 'patients on the research opt-out register']) {
      assert.ok(out.includes(s), s);
    }
    assert.ok(out.includes('evidence/') && out.includes('.dsse.json'), 'the lineage bundle path');
  });

  it('references nothing outside the package', () => {
    assert.doesNotMatch(out, /<script|\bsrc\s*=|@import|url\(|<link|<iframe|<object|<embed|<img/i);
    // Outside text, no markup or CSS names an http(s) URL; in text, only the run's repository does.
    const markup = out.replace(/>[^<]*</g, '><');
    assert.doesNotMatch(markup, /https?:\/\//i);
    assert.doesNotMatch(out.split(REPOSITORY).join(''), /https?:\/\//i);
    for (const [, href] of out.matchAll(/href="([^"]*)"/g)) assert.match(href!, /^(#[a-z0-9-]+|entries\/\d{12}\.json|evidence\/[0-9a-f]{64}(\.[a-z0-9]+)+)$/, href);
    assert.match(out, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  });

  it('escapes hostile text everywhere', () => {
    const h = render(hostileFacts());
    assert.doesNotMatch(h, /<script|<img|<b>/i);
    assert.ok(h.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(h.includes('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'));
    assert.ok(h.includes('Smith &amp; Jones &lt;b&gt;bold&lt;/b&gt; &#39;quoted&#39;'));
    assert.doesNotMatch(h, /href="javascript:/i, 'a path that is not the package’s own is not linked');
    assert.doesNotMatch(h, /&(?!amp;|lt;|gt;|quot;|#39;)/, 'every ampersand is an escape');
    // controls.json carries the same strings as JSON, intact.
    const json = controlsJson(buildControls(hostileFacts()));
    assert.ok((JSON.parse(json) as { scope: { model: string } }).scope.model === HOSTILE.script);
  });

  it('says when the timeline is truncated', () => {
    const f = readmissionFacts();
    const h = render({ ...f, timeline: f.timeline.slice(0, 5), timelineTruncated: true });
    assert.ok(h.includes(`The timeline lists the first 5 of ${f.entries.count} entries`));
    assert.doesNotMatch(out, /The timeline lists the first/);
  });

  it('renders an empty scope with every section saying none in scope', () => {
    const h = render(emptyFacts());
    assert.match(h, /every entry from 2025-01-01T00:00:00Z \(inclusive\) to 2025-02-01T00:00:00Z \(exclusive\)/);
    assert.ok((h.match(/None in scope\./g) ?? []).length >= 8, 'models, datasets, runs, deployments, rollbacks, refusals, policies, evidence, timeline');
    assert.match(h, /<strong>0<\/strong> evidenced, <strong>0<\/strong> partial/);
    assert.equal(render(emptyFacts()), h);
  });
});
