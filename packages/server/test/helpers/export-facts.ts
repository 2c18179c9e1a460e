import crypto from 'node:crypto';
import type { EvidenceFile, ExportFacts, ExportScope, TimelineItem, VersionFact } from '../../src/exports/facts.js';

/**
 * The facts of a realistic compliance package: a hospital's 30-day readmission-risk model trained
 * on ePHI, exported as `--model readmission-risk@1.0.0`. Its story, in ledger order:
 * two raw EHR extracts registered in quarantine and certified; a derived cohort that excludes the
 * patients who opted out of secondary use; a policy change; a training run that completes with a
 * signed lineage bundle; the model and version with six evidence documents and a waiver; the
 * author's refused attempt to approve her own version; approvals by model-risk, compliance and
 * security reviewers; a refused placement into standard-ai (ePHI may only go to hipaa-ai); a
 * deployment to hipaa-ai; and, after 1.1.0 misbehaved, a break-glass rollback to 1.0.0.
 */

const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const b64 = (s: string) => crypto.createHash('sha256').update(s).digest('base64');

export const ORIGIN = 'cairn.stmarys-health.example/ledger';
export const REPOSITORY = 'https://git.stmarys-health.example/clinical-ml/readmission-risk.git';

export const DS = {
  encounters: `sha256:${sha('ehr-encounters-2019-2025')}`,
  adt: `sha256:${sha('adt-events-2019-2025')}`,
  cohort: `sha256:${sha('readmission-cohort-v3')}`,
};
export const VERSION_ID = 'mv_Q2h0b3JkLXJlYWRt';
export const RUN_ID = 'run_7f3a9c1e2b';
export const DEPLOYMENT = { first: 'dep_Hn3kQ0aZ1', superseding: 'dep_Rt8vW2xL5', rollback: 'dep_Yp4cM7dS9' };
export const POLICY = { bootstrap: 'pol_BootStrapA1', current: 'pol_Feb2026Rev2' };

/** Indices of the fixture's entries, for tests that check what controls.json cites. */
export const AT = {
  policyBootstrap: 2,
  encountersRegistered: 14,
  adtRegistered: 15,
  encountersCertified: 19,
  adtCertified: 20,
  cohortRegistered: 31,
  cohortCertified: 33,
  policyProposed: 40,
  policyActivated: 44,
  runStarted: 58,
  openLineage: 59,
  runCompleted: 63,
  modelRegistered: 70,
  versionRegistered: 71,
  evidence: [72, 73, 74, 75, 76, 77],
  validationFailed: 78,
  waiverRequested: 79,
  waiverApproved: 81,
  validated: 82,
  submitted: 83,
  selfApprovalRefused: 85,
  approvals: [86, 88, 91],
  placementRefused: 95,
  deployed: 96,
  rollback: 212,
} as const;

/** Cairn's own actor (SYSTEM_ACTOR), which activates the bootstrap policy. */
const system = 'cairn';
const line = (index: number, time: string, kind: string, subject: string | null, actor: string, elevation?: string): TimelineItem =>
  elevation === undefined ? { index, time, kind, subject, actor } : { index, time, kind, subject, actor, elevation };
const dsKey = (d: string) => `dataset:${d}`;
const mv = `model-version:${VERSION_ID}`;

const TIMELINE: TimelineItem[] = [
  line(AT.policyBootstrap, '2026-01-06T08:00:00.000Z', 'policy.activated', `policy:${POLICY.bootstrap}`, system),
  line(AT.encountersRegistered, '2026-01-12T10:02:11.201Z', 'dataset.registered', dsKey(DS.encounters), 'dana.whitfield'),
  line(AT.adtRegistered, '2026-01-12T10:04:40.877Z', 'dataset.registered', dsKey(DS.adt), 'dana.whitfield'),
  line(AT.encountersCertified, '2026-01-13T15:30:02.118Z', 'dataset.certified', dsKey(DS.encounters), 'priya.raman'),
  line(AT.adtCertified, '2026-01-13T15:31:45.004Z', 'dataset.certified', dsKey(DS.adt), 'priya.raman'),
  line(AT.cohortRegistered, '2026-01-20T09:15:00.000Z', 'dataset.registered', dsKey(DS.cohort), 'dana.whitfield'),
  line(AT.cohortCertified, '2026-01-21T11:00:00.000Z', 'dataset.certified', dsKey(DS.cohort), 'priya.raman'),
  line(AT.policyProposed, '2026-02-02T14:00:00.000Z', 'policy.proposed', `policy:${POLICY.current}`, 'omar.haddad'),
  line(AT.policyActivated, '2026-02-03T09:30:00.000Z', 'policy.activated', `policy:${POLICY.current}`, 'carol.nguyen'),
  line(AT.runStarted, '2026-02-10T07:45:12.000Z', 'run.started', `run:${RUN_ID}`, 'ml-pipeline'),
  line(AT.openLineage, '2026-02-10T07:45:13.500Z', 'lineage.openlineage', `run:${RUN_ID}`, 'ml-pipeline'),
  line(AT.runCompleted, '2026-02-10T13:02:55.000Z', 'run.completed', `run:${RUN_ID}`, 'ml-pipeline'),
  line(AT.modelRegistered, '2026-02-11T09:00:00.000Z', 'model.registered', 'model:readmission-risk', 'alice.moreau'),
  line(AT.versionRegistered, '2026-02-11T09:05:00.000Z', 'model_version.registered', mv, 'alice.moreau'),
  ...AT.evidence.map((i, n) => line(i, `2026-02-12T1${n}:00:00.000Z`, 'model_version.evidence_added', mv, n === 4 ? 'sam.okafor' : 'alice.moreau')),
  line(AT.validationFailed, '2026-02-13T09:00:00.000Z', 'model_version.validation_failed', mv, 'alice.moreau'),
  line(AT.waiverRequested, '2026-02-13T09:20:00.000Z', 'model_version.waiver_requested', mv, 'alice.moreau'),
  line(AT.waiverApproved, '2026-02-14T16:00:00.000Z', 'model_version.waiver_approved', mv, 'ben.adeyemi'),
  line(AT.validated, '2026-02-15T08:30:00.000Z', 'model_version.validated', mv, 'alice.moreau'),
  line(AT.submitted, '2026-02-15T08:45:00.000Z', 'model_version.submitted', mv, 'alice.moreau'),
  line(AT.selfApprovalRefused, '2026-02-15T09:02:17.000Z', 'model_version.approval_refused', mv, 'alice.moreau'),
  line(AT.approvals[0], '2026-02-17T11:10:00.000Z', 'model_version.approval', mv, 'ben.adeyemi'),
  line(AT.approvals[1], '2026-02-18T14:25:00.000Z', 'model_version.approval', mv, 'carol.nguyen'),
  line(AT.approvals[2], '2026-02-20T10:05:00.000Z', 'model_version.approval', mv, 'sam.okafor'),
  line(AT.placementRefused, '2026-02-23T08:12:40.000Z', 'deployment.refused', mv, 'oliver.grant'),
  line(AT.deployed, '2026-02-23T08:20:03.000Z', 'deployment.created', `deployment:${DEPLOYMENT.first}`, 'oliver.grant'),
  line(AT.rollback, '2026-04-14T02:17:09.000Z', 'deployment.rolled_back', `deployment:${DEPLOYMENT.rollback}`, 'oliver.grant', 'elv_Inc2291xQ'),
];

function evidenceFile(kind: string, title: string, ext: string, mediaType: string, size: number, committedBy: number[]): EvidenceFile {
  const hex = sha(`${kind}:${title}`);
  return { path: `evidence/${hex}.${ext}`, digest: `sha256:${hex}`, mediaType, size, kind, title, committedBy };
}

const DOCS = [
  evidenceFile('evaluation', 'Held-out evaluation 2019–2024 by site and payer', 'json', 'application/json', 48_213, [AT.evidence[0]]),
  evidenceFile('fairness', 'Outcome parity by race, sex, age band and payer', 'json', 'application/json', 21_907, [AT.evidence[1]]),
  evidenceFile('red_team', 'Adversarial review: leakage and proxy features', 'md', 'text/markdown', 12_044, [AT.evidence[2]]),
  evidenceFile('security_review', 'Security review of the scoring service', 'md', 'text/markdown', 9_318, [AT.evidence[3]]),
  evidenceFile('rollback_plan', 'Rollback plan for hipaa-ai production', 'md', 'text/markdown', 3_120, [AT.evidence[4]]),
  evidenceFile('monitoring_plan', 'Monthly calibration and drift monitoring', 'md', 'text/markdown', 4_871, [AT.evidence[5]]),
];
const MODEL_CARD = evidenceFile('model-card', 'Model card of readmission-risk@1.0.0', 'md', 'text/markdown', 7_402, [AT.versionRegistered]);
const BUNDLE = evidenceFile('lineage-bundle', `Lineage bundle of run readmission-risk-train-2026-02-10 (${RUN_ID})`, 'dsse.json', 'application/json', 15_660, [AT.runCompleted]);

const VERSION: VersionFact = {
  id: VERSION_ID,
  version: '1.0.0',
  state: 'deployed',
  runId: RUN_ID,
  trainer: 'ml-pipeline',
  author: 'alice.moreau',
  submittedBy: 'alice.moreau',
  dataClasses: ['ephi'],
  useCases: ['readmission_risk'],
  zones: ['hipaa-ai'],
  approvalExpiresAt: '2026-05-21T10:05:00.000Z',
  createdAt: '2026-02-11T09:05:00.000Z',
  ledgerIndex: AT.versionRegistered,
  evidence: [
    // The model card is committed by the version's registration (as the facts builder records it).
    { kind: 'model-card', title: 'Model card', digest: MODEL_CARD.digest, path: MODEL_CARD.path, author: 'alice.moreau', addedAt: '2026-02-11T09:05:00.000Z', ledgerIndex: AT.versionRegistered },
    ...DOCS.map((d, n) => ({ kind: d.kind, title: d.title, digest: d.digest, path: d.path, author: n === 4 ? 'sam.okafor' : 'alice.moreau', addedAt: `2026-02-12T1${n}:00:00.000Z`, ledgerIndex: AT.evidence[n]! })),
  ],
  approvals: [
    { id: 'apr_MRk01', role: 'reviewer:model-risk', approver: 'ben.adeyemi', reason: 'Independent validation complete; calibration acceptable across sites; waiver on age 85+ noted.', at: '2026-02-17T11:10:00.000Z', valid: true, ledgerIndex: AT.approvals[0] },
    { id: 'apr_Cmp02', role: 'reviewer:compliance', approver: 'carol.nguyen', reason: 'HIPAA minimum-necessary and opt-out exclusions verified against the cohort manifest.', at: '2026-02-18T14:25:00.000Z', valid: true, ledgerIndex: AT.approvals[1] },
    { id: 'apr_Sec03', role: 'reviewer:security', approver: 'sam.okafor', reason: 'Scoring service reviewed; runs only in hipaa-ai with encrypted volumes.', at: '2026-02-20T10:05:00.000Z', valid: true, ledgerIndex: AT.approvals[2] },
  ],
  waivers: [
    {
      id: 'wvr_Age85p',
      rule: 'risk_tier.evidence.fairness.disparate_impact_ratio',
      reason: 'Disparate impact ratio 0.78 for the 85+ age band (n=312); re-measure after Q2 data refresh.',
      requestedBy: 'alice.moreau',
      state: 'approved',
      decidedBy: 'ben.adeyemi',
      expiresAt: '2026-05-14T16:00:00.000Z',
      ledgerIndex: AT.waiverRequested,
    },
  ],
  refusals: [
    {
      kind: 'model_version.validation_failed',
      actor: 'alice.moreau',
      at: '2026-02-13T09:00:00.000Z',
      reasons: ['fairness: disparate_impact_ratio 0.78 is below the minimum 0.8'],
      ledgerIndex: AT.validationFailed,
    },
    {
      kind: 'model_version.approval_refused',
      actor: 'alice.moreau',
      at: '2026-02-15T09:02:17.000Z',
      reasons: ['alice.moreau authored this version and cannot approve it', 'alice.moreau submitted this version for review and cannot approve it'],
      ledgerIndex: AT.selfApprovalRefused,
    },
    {
      kind: 'deployment.refused',
      actor: 'oliver.grant',
      at: '2026-02-23T08:12:40.000Z',
      reasons: ['data class ephi may be placed only in hipaa-ai, not standard-ai', 'version 1.0.0 is not approved for zone standard-ai'],
      ledgerIndex: AT.placementRefused,
    },
  ],
};

/** The model-scope package for readmission-risk@1.0.0. */
export function readmissionFacts(): ExportFacts {
  const byKind = new Map<string, number>();
  for (const t of TIMELINE) byKind.set(t.kind, (byKind.get(t.kind) ?? 0) + 1);
  return {
    scope: { kind: 'model', model: 'readmission-risk', version: '1.0.0' },
    log: {
      origin: ORIGIN,
      treeSize: 1187,
      rootHash: b64('root at 1187'),
      verifierKey: `${ORIGIN}+4f2a9c1d+AeKy3Jz0m1xQ7pS3bTn5YwL2hGc9vR6uD8fA4kE1iO0=`,
      keyFingerprint: sha('log key'),
      asOf: '2026-05-04T09:12:44.512Z',
    },
    entries: {
      count: TIMELINE.length,
      first: TIMELINE[0]!,
      last: TIMELINE[TIMELINE.length - 1]!,
      byKind: [...byKind].sort(([a], [b]) => (a < b ? -1 : 1)).map(([kind, count]) => ({ kind, count })),
    },
    timeline: TIMELINE,
    timelineTruncated: false,
    models: [
      {
        name: 'readmission-risk',
        owner: 'clinical-analytics',
        useCase: 'readmission_risk',
        riskTier: 'high',
        description: 'Predicts the risk of unplanned readmission within 30 days of discharge, to prioritise transitional-care follow-up.',
        createdBy: 'alice.moreau',
        createdAt: '2026-02-11T09:00:00.000Z',
        ledgerIndex: AT.modelRegistered,
        versions: [VERSION],
      },
    ],
    datasets: [
      {
        digest: DS.encounters,
        name: 'ehr-encounters-2019-2025',
        state: 'certified',
        dataClasses: ['ephi'],
        owner: 'health-information-management',
        sourceSystem: 'Epic Clarity (nightly extract)',
        legalBasis: 'HIPAA 45 CFR 164.506(c) health care operations',
        retentionClass: 'hipaa-6y',
        objectCount: 2_184,
        totalBytes: 96_311_427_072,
        derivation: null,
        registeredBy: 'dana.whitfield',
        registeredAt: '2026-01-12T10:02:11.201Z',
        certifiedAt: '2026-01-13T15:30:02.118Z',
        ledgerIndex: AT.encountersRegistered,
      },
      {
        digest: DS.adt,
        name: 'adt-events-2019-2025',
        state: 'certified',
        dataClasses: ['ephi'],
        owner: 'health-information-management',
        sourceSystem: 'HL7 ADT feed archive',
        legalBasis: 'HIPAA 45 CFR 164.506(c) health care operations',
        retentionClass: 'hipaa-6y',
        objectCount: 731,
        totalBytes: 12_884_901_888,
        derivation: null,
        registeredBy: 'dana.whitfield',
        registeredAt: '2026-01-12T10:04:40.877Z',
        certifiedAt: '2026-01-13T15:31:45.004Z',
        ledgerIndex: AT.adtRegistered,
      },
      {
        digest: DS.cohort,
        name: 'readmission-cohort-v3',
        state: 'certified',
        dataClasses: ['ephi'],
        owner: 'clinical-analytics',
        sourceSystem: null,
        legalBasis: 'HIPAA 45 CFR 164.506(c) health care operations',
        retentionClass: 'hipaa-6y',
        objectCount: 96,
        totalBytes: 4_294_967_296,
        derivation: { from: [DS.encounters, DS.adt], excluded: 412, reason: 'patients on the research opt-out register (2026-01-19 snapshot)' },
        registeredBy: 'dana.whitfield',
        registeredAt: '2026-01-20T09:15:00.000Z',
        certifiedAt: '2026-01-21T11:00:00.000Z',
        ledgerIndex: AT.cohortRegistered,
      },
    ],
    runs: [
      {
        id: RUN_ID,
        name: 'readmission-risk-train-2026-02-10',
        state: 'completed',
        trainer: 'ml-pipeline',
        inputs: [DS.cohort],
        code: { repository: REPOSITORY, commit: '9d4c2e7b1a0f5e6d3c8b9a7f2e1d0c4b5a6f7e8d' },
        image: `registry.stmarys-health.example/ml/trainer@sha256:${sha('trainer image')}`,
        startedAt: '2026-02-10T07:45:12.000Z',
        endedAt: '2026-02-10T13:02:55.000Z',
        lineageComplete: true,
        bundle: BUNDLE.path,
        ledgerIndex: AT.runStarted,
      },
    ],
    deployments: [
      {
        id: DEPLOYMENT.first,
        model: 'readmission-risk',
        versionId: VERSION_ID,
        version: '1.0.0',
        zone: 'hipaa-ai',
        environment: 'prod',
        state: 'superseded',
        deployedBy: 'oliver.grant',
        reason: 'CHG-10488: go-live for transitional-care prioritisation',
        startedAt: '2026-02-23T08:20:03.000Z',
        endedAt: '2026-03-30T07:00:00.000Z',
        previousVersionId: null,
        rollbackOf: null,
        ledgerIndex: AT.deployed,
      },
      {
        id: DEPLOYMENT.rollback,
        model: 'readmission-risk',
        versionId: VERSION_ID,
        version: '1.0.0',
        zone: 'hipaa-ai',
        environment: 'prod',
        state: 'active',
        deployedBy: 'oliver.grant',
        reason: 'INC-2291: 1.1.0 over-predicts risk for dialysis patients; restoring 1.0.0',
        startedAt: '2026-04-14T02:17:09.000Z',
        endedAt: null,
        previousVersionId: null,
        rollbackOf: DEPLOYMENT.superseding,
        ledgerIndex: AT.rollback,
      },
    ],
    policies: [
      { id: POLICY.bootstrap, hash: `sha256:${sha('policy pack v1')}`, status: 'superseded', reason: 'bootstrap', proposedBy: system, proposedAt: '2026-01-06T08:00:00.000Z', decidedBy: system, decidedAt: '2026-01-06T08:00:00.000Z', ledgerIndex: AT.policyBootstrap },
      {
        id: POLICY.current,
        hash: `sha256:${sha('policy pack v2')}`,
        status: 'active',
        reason: 'Add reviewer:security to the high tier for clinical models (Compliance Office memo 2026-04)',
        proposedBy: 'omar.haddad',
        proposedAt: '2026-02-02T14:00:00.000Z',
        decidedBy: 'carol.nguyen',
        decidedAt: '2026-02-03T09:30:00.000Z',
        ledgerIndex: AT.policyActivated,
      },
    ],
    evidence: [...DOCS, MODEL_CARD, BUNDLE].sort((a, b) => (a.path < b.path ? -1 : 1)),
  };
}

/** A scope with nothing in it: a time range in which no entry was written. */
export function emptyFacts(scope: ExportScope = { kind: 'time', from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' }): ExportFacts {
  const f = readmissionFacts();
  return {
    scope,
    log: f.log,
    entries: { count: 0, first: null, last: null, byKind: [] },
    timeline: [],
    timelineTruncated: false,
    models: [],
    datasets: [],
    runs: [],
    deployments: [],
    policies: [],
    evidence: [],
  };
}

export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '"><img src=x onerror=alert(2)>',
  amp: 'Smith & Jones <b>bold</b> \'quoted\'',
};

/** The fixture with attacker-chosen strings in the places users type text into. */
export function hostileFacts(): ExportFacts {
  const f = readmissionFacts();
  const [model] = f.models;
  const [version] = model!.versions;
  return {
    ...f,
    scope: { kind: 'model', model: HOSTILE.script, version: HOSTILE.img },
    timeline: f.timeline.map((t, i) => (i === 0 ? { ...t, kind: `custom.${HOSTILE.img}`, subject: HOSTILE.script, actor: HOSTILE.amp } : t)),
    models: [
      {
        ...model!,
        name: HOSTILE.script,
        description: HOSTILE.img,
        owner: HOSTILE.amp,
        versions: [
          {
            ...version!,
            version: HOSTILE.img,
            approvals: version!.approvals.map((a) => ({ ...a, approver: HOSTILE.script, reason: HOSTILE.img })),
            refusals: version!.refusals.map((r) => ({ ...r, reasons: [HOSTILE.script, HOSTILE.img, HOSTILE.amp] })),
            evidence: version!.evidence.map((e) => ({ ...e, title: HOSTILE.img, path: `javascript:alert(3)//${HOSTILE.img}` })),
          },
        ],
      },
    ],
    datasets: f.datasets.map((d) => ({ ...d, name: HOSTILE.amp, legalBasis: HOSTILE.script })),
    deployments: f.deployments.map((d) => ({ ...d, reason: HOSTILE.img, zone: HOSTILE.script })),
    policies: f.policies.map((p) => ({ ...p, reason: HOSTILE.amp })),
    evidence: f.evidence.map((e) => ({ ...e, title: HOSTILE.script })),
  };
}
