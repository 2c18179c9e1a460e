import type { ApprovalFact, DeploymentFact, PolicyFact, RefusalFact, TimelineItem } from './facts.js';
import { INTEGRITY_FILES, type ControlRule, approvalFacts, approvalsBefore, at, ats, conflicts, deploymentFacts, entryCountFact, failureEntries, hasAny, integrityFacts, judge, label, lifecycle, list, ofKinds, outOfScope, plural, policyDecisions, policyFacts, policyGap, refusalFacts, sorted, versionFiles } from './controls-context.js';

/** The six frameworks' controls: what each asks, and how its status is judged from a package's facts. */

// Evidence kinds as reviewers attach them (registry `kind`), grouped by what they show.
export const VALIDATION_KINDS = ['backtest', 'benchmark', 'bias', 'evaluation', 'fairness', 'outcomes_analysis', 'performance', 'red_team', 'sensitivity', 'validation'];
export const RISK_KINDS = ['bias', 'dpia', 'fairness', 'impact_assessment', 'red_team', 'risk_assessment', 'security_review'];
export const MONITORING_KINDS = ['drift', 'monitoring', 'monitoring_plan', 'rollback_plan'];
export const DOCUMENTATION_KINDS = ['document', 'documentation', 'lineage-bundle', 'model-card'];
export const EPHI_CLASSES = ['ephi', 'phi'];
export const CARDHOLDER_CLASSES = ['cardholder_data', 'pan'];
export const PERSONAL_CLASSES = ['cardholder_data', 'ephi', 'health', 'personal_data', 'phi', 'special_category'];
export const STARTED_STATES = ['approved', 'deployed', 'retired', 'suspended'];

// ---------------------------------------------------------------------------------------------
// The mapping
// ---------------------------------------------------------------------------------------------

const SR_11_7: readonly ControlRule[] = [
  {
    id: 'sr-11-7.development',
    title: 'Model development, implementation and use',
    asks: 'A model’s purpose, design, data and methodology are documented so that a party unfamiliar with it can understand and reproduce it.',
    assess: (c) => {
      if (c.versions.length === 0 && c.f.runs.length === 0) return outOfScope('model version or training run');
      const gaps: string[] = [];
      for (const ver of c.versions) {
        if (ver.v.evidence.length === 0) gaps.push(`${label(ver)} has no evidence documents`);
        const run = c.f.runs.find((r) => r.id === ver.v.runId);
        if (!run) gaps.push(`${label(ver)}: training run ${ver.v.runId ?? '(none recorded)'} not in this package`);
        else if (run.bundle === null) gaps.push(`${label(ver)}: run ${run.name} has no lineage bundle`);
      }
      return {
        ...judge(gaps, 'every version is documented and traced to a training run with a signed lineage bundle'),
        kinds: ['model.registered', 'model_version.registered', 'model_version.evidence_added', 'run.*', 'lineage.*', 'dataset.registered'],
        files: versionFiles(c, DOCUMENTATION_KINDS),
        facts: [
          ...c.f.models.map((m) => `model ${m.name} ${at(m.ledgerIndex)}: use case ${m.useCase}, risk tier ${m.riskTier}, owner ${m.owner}`),
          ...c.versions.map((ver) => `${label(ver)} ${at(ver.v.ledgerIndex)}: ${plural(ver.v.evidence.length, 'evidence document')}, trained by run ${ver.v.runId ?? '(none)'}`),
          ...c.f.runs.map((r) => `run ${r.name} ${at(r.ledgerIndex)}: ${plural(r.inputs.length, 'input')}, code ${r.code ? `${r.code.repository}@${r.code.commit}` : 'not recorded'}, image ${r.image ?? 'not recorded'}, lineage bundle ${r.bundle ?? 'none'}`),
        ],
      };
    },
  },
  {
    id: 'sr-11-7.validation',
    title: 'Model validation',
    asks: 'Models are validated before use — conceptual soundness, outcomes analysis, benchmarking — with exceptions and their justification recorded.',
    assess: (c) => {
      if (c.versions.length === 0) return outOfScope('model version');
      const gaps: string[] = [];
      const facts: string[] = [];
      for (const ver of c.versions) {
        const docs = ver.v.evidence.filter(ofKinds(VALIDATION_KINDS));
        const validated = c.about(`model-version:${ver.v.id}`, 'model_version.validated');
        if (docs.length === 0) gaps.push(`${label(ver)} has no validation evidence`);
        if (validated.length === 0 && !STARTED_STATES.includes(ver.v.state) && ver.v.state !== 'validated') gaps.push(`${label(ver)} is ${ver.v.state}, not validated`);
        facts.push(`${label(ver)}: ${docs.length === 0 ? 'no validation documents' : docs.map((d) => `${d.kind} “${d.title}” ${at(d.ledgerIndex)}`).join('; ')}${validated.length > 0 ? `; validated${ats(validated)}` : ''}`);
        for (const w of ver.v.waivers) facts.push(`${label(ver)}: waiver ${w.id} ${at(w.ledgerIndex)} of rule ${w.rule}, requested by ${w.requestedBy}, ${w.state}${w.decidedBy ? ` by ${w.decidedBy}` : ''}, expires ${w.expiresAt}: ${w.reason}`);
      }
      return {
        ...judge(gaps, 'every version carries validation evidence and passed validation, exceptions recorded as waivers'),
        kinds: ['model_version.validated', 'model_version.validation_failed', 'model_version.waiver_*', 'model_version.evidence_added'],
        files: versionFiles(c, VALIDATION_KINDS),
        facts,
      };
    },
  },
  {
    id: 'sr-11-7.effective-challenge',
    title: 'Independent review and effective challenge',
    asks: 'Models are critically reviewed by qualified parties independent of their development, with the authority to stop them.',
    assess: (c) => {
      if (c.versions.length === 0) return outOfScope('model version');
      if (c.approvals.length === 0) return { status: 'partial', reason: 'no approval is in this package’s scope', kinds: ['model_version.approval_refused', 'model_version.submitted'], facts: approvalFacts(c) };
      const gaps: string[] = [];
      for (const ver of c.versions) {
        const conflicted = conflicts(ver);
        if (conflicted.length > 0) gaps.push(`${label(ver)} was approved by ${list(conflicted)}, who also developed or submitted it`);
        if (STARTED_STATES.includes(ver.v.state) && ver.v.approvals.length === 0) gaps.push(`${label(ver)} is ${ver.v.state} with no approval in scope`);
      }
      return {
        ...judge(gaps, 'every version in use was approved by reviewers independent of its author, trainer and submitter'),
        kinds: ['model_version.approval', 'model_version.approval_refused', 'model_version.submitted'],
        facts: [...approvalFacts(c), ...refusalFacts(c.refusals.filter((r) => r.kind === 'model_version.approval_refused'))],
      };
    },
  },
  {
    id: 'sr-11-7.monitoring',
    title: 'Ongoing monitoring',
    asks: 'Models in use are monitored against expectations, with periodic re-approval and action — including rollback — when they drift.',
    assess: (c) => {
      if (c.versions.length === 0 && c.f.deployments.length === 0) return outOfScope('model version or deployment');
      const gaps = c.versions.filter((ver) => !ver.v.evidence.some(ofKinds(MONITORING_KINDS))).map((ver) => `${label(ver)} has no monitoring or rollback plan`);
      return {
        ...judge(gaps, 'every version has a monitoring plan; approvals expire and deployments, rollbacks and suspensions are recorded'),
        kinds: ['deployment.*', 'model_version.suspended', 'model_version.retired'],
        files: versionFiles(c, MONITORING_KINDS),
        facts: [
          ...c.versions.filter((ver) => ver.v.approvalExpiresAt !== null).map((ver) => `${label(ver)}: approval expires ${ver.v.approvalExpiresAt} (re-approval required)`),
          ...deploymentFacts(c),
        ],
      };
    },
  },
  {
    id: 'sr-11-7.governance',
    title: 'Governance, policies and model inventory',
    asks: 'Model risk is governed by approved policies, with an inventory of models, their owners, uses and risk ratings.',
    assess: (c) => {
      if (c.f.models.length === 0 && c.f.policies.length === 0) return outOfScope('model or policy');
      const gaps = [
        ...(c.f.policies.length === 0 ? ['no policy version in scope'] : []),
        ...(c.f.models.length === 0 ? ['no model inventory record in scope'] : []),
        ...c.f.models.filter((m) => m.ledgerIndex < 0).map((m) => `the registration of model ${m.name} is not in this package`),
        ...c.f.models.filter((m) => m.ledgerIndex >= 0 && (!m.owner || !m.riskTier)).map((m) => `model ${m.name} has no owner or risk tier`),
      ];
      return {
        ...judge(gaps, 'models are inventoried with owner, use and risk tier, under approved policy versions'),
        kinds: ['model.registered', 'policy.*'],
        facts: [...c.f.models.map((m) => `inventory: ${m.name} ${at(m.ledgerIndex)}, owner ${m.owner}, use case ${m.useCase}, risk tier ${m.riskTier}, registered by ${m.createdBy}`), ...policyFacts(c)],
      };
    },
  },
];

const EU_AI_ACT: readonly ControlRule[] = [
  {
    id: 'eu-ai-act.annex-iv.1',
    title: 'General description of the AI system',
    asks: 'Intended purpose, provider, versions, and how the system is put into service (Annex IV point 1).',
    assess: (c) => {
      if (c.f.models.length === 0) return outOfScope('model');
      const cards = c.files((e) => e.kind === 'model-card');
      return {
        ...judge(cards.length === 0 ? ['no model card in this package'] : [], 'the model’s purpose, owner and versions are recorded, with a model card'),
        kinds: ['model.registered', 'model_version.registered', 'model_version.submitted'],
        files: cards,
        facts: [
          ...c.f.models.map((m) => `${m.name} ${at(m.ledgerIndex)}: ${m.description} (use case ${m.useCase}, owner ${m.owner})`),
          ...c.versions.map((ver) => `${label(ver)} ${at(ver.v.ledgerIndex)}: ${ver.v.state}; use cases ${list(ver.v.useCases)}; zones ${list(ver.v.zones)}`),
        ],
      };
    },
  },
  {
    id: 'eu-ai-act.annex-iv.2',
    title: 'Development process, design and testing',
    asks: 'Methods and steps of development, training methodology, and validation and testing procedures with their results (Annex IV point 2).',
    assess: (c) => {
      if (c.versions.length === 0 && c.f.runs.length === 0) return outOfScope('model version or training run');
      const gaps = [
        ...c.f.runs.filter((r) => r.code === null || r.image === null || r.bundle === null).map((r) => `run ${r.name} lacks ${[r.code ? '' : 'code', r.image ? '' : 'image', r.bundle ? '' : 'lineage bundle'].filter(Boolean).join(', ')}`),
        ...c.versions.filter((ver) => !c.f.runs.some((r) => r.id === ver.v.runId)).map((ver) => `${label(ver)}: its training run is not in this package`),
        ...c.versions.filter((ver) => !ver.v.evidence.some(ofKinds(VALIDATION_KINDS))).map((ver) => `${label(ver)} has no test results`),
      ];
      return {
        ...judge(gaps, 'training runs name their code, image and inputs in signed lineage bundles, and test results are attached'),
        kinds: ['run.*', 'lineage.*', 'model_version.evidence_added', 'model_version.validated'],
        files: versionFiles(c, ['lineage-bundle', ...VALIDATION_KINDS]),
        facts: c.f.runs.map((r) => `run ${r.name} ${at(r.ledgerIndex)} by ${r.trainer}: ${r.state}, code ${r.code ? `${r.code.repository}@${r.code.commit}` : 'not recorded'}, image ${r.image ?? 'not recorded'}, lineage ${r.lineageComplete === true ? 'complete' : r.lineageComplete === false ? 'incomplete' : 'not assessed'}`),
      };
    },
  },
  {
    id: 'eu-ai-act.art-10',
    title: 'Data and data governance',
    asks: 'Training data: provenance, scope and characteristics, how it was obtained and selected, preparation and exclusions, examination for bias (Art. 10; Annex IV point 2(d)).',
    assess: (c) => {
      if (c.f.datasets.length === 0 && c.f.runs.length === 0) return outOfScope('dataset or training run');
      const known = new Map(c.f.datasets.map((d) => [d.digest, d]));
      const inputs = sorted(c.f.runs.flatMap((r) => r.inputs));
      const gaps = [
        ...inputs.filter((i) => !known.has(i)).map((i) => `input ${i} is not in this package`),
        ...inputs.filter((i) => known.has(i) && known.get(i)!.certifiedAt === null).map((i) => `input ${known.get(i)!.name} was not certified`),
        ...c.f.datasets.filter((d) => d.derivation === null && d.sourceSystem === null).map((d) => `dataset ${d.name} has no source system`),
        ...(c.versions.length > 0 && c.files((e) => e.kind === 'fairness' || e.kind === 'bias').length === 0 ? ['no bias examination in this package'] : []),
      ];
      return {
        ...judge(gaps, 'every training input is a certified dataset with recorded source, classes and derivation, and bias was examined'),
        kinds: ['dataset.*', 'run.started', 'run.refused'],
        files: versionFiles(c, ['bias', 'fairness']),
        facts: c.f.datasets.map((d) => {
          const derived = d.derivation === null ? `source ${d.sourceSystem ?? 'not recorded'}` : `derived from ${list(d.derivation.from.map((p) => known.get(p)?.name ?? p))}${d.derivation.excluded === undefined ? '' : `, ${plural(d.derivation.excluded, 'object')} excluded${d.derivation.reason ? ` (${d.derivation.reason})` : ''}`}`;
          return `dataset ${d.name} ${at(d.ledgerIndex)} ${d.digest}: ${d.state}${d.certifiedAt ? ` at ${d.certifiedAt}` : ''}, classes ${list(d.dataClasses)}, ${plural(d.objectCount, 'object')}, ${derived}`;
        }),
      };
    },
  },
  {
    id: 'eu-ai-act.annex-iv.3',
    title: 'Monitoring, functioning and control; human oversight',
    asks: 'Human oversight measures (Art. 14), the system’s limits of use, and how its operation is controlled (Annex IV point 3).',
    assess: (c) => {
      if (c.versions.length === 0 && c.f.deployments.length === 0) return outOfScope('model version or deployment');
      const gaps = [
        ...(c.approvals.length === 0 ? ['no human approval in scope'] : []),
        ...c.f.deployments.filter((d) => !(c.version(d.versionId)?.v.zones.includes(d.zone) ?? false)).map((d) => `deployment ${d.id} to ${d.zone}: the version’s approved zones are not in this package or exclude it`),
      ];
      return {
        ...judge(gaps, 'people approve each version for named zones, every deployment is within them, and refusals and rollbacks are recorded'),
        kinds: ['model_version.approval', 'model_version.submitted', 'deployment.*', 'admission.*'],
        facts: [...approvalFacts(c), ...refusalFacts(c.refusals.filter((r) => r.kind.startsWith('deployment.') || r.kind.startsWith('admission.'))), ...deploymentFacts(c)],
      };
    },
  },
  {
    id: 'eu-ai-act.annex-iv.5',
    title: 'Risk management system',
    asks: 'Risks are identified, estimated and mitigated through the lifecycle, with residual risks and exceptions documented (Art. 9; Annex IV point 5).',
    assess: (c) => {
      if (c.versions.length === 0) return outOfScope('model version');
      const gaps = c.versions.filter((ver) => !ver.v.evidence.some(ofKinds(RISK_KINDS))).map((ver) => `${label(ver)} has no risk assessment evidence`);
      return {
        ...judge(gaps, 'each version is tiered by risk and carries risk evidence; exceptions are recorded as waivers'),
        kinds: ['model.registered', 'model_version.evidence_added', 'model_version.waiver_*', 'model_version.validation_failed'],
        files: versionFiles(c, RISK_KINDS),
        facts: [
          ...c.f.models.map((m) => `${m.name}: risk tier ${m.riskTier}`),
          ...c.versions.flatMap((ver) => ver.v.waivers.map((w) => `${label(ver)}: waiver ${w.id} ${at(w.ledgerIndex)} of ${w.rule}, ${w.state}, expires ${w.expiresAt}`)),
          `${plural(c.refusals.length, 'refused action')}${ats(c.refusals.map((r) => r.ledgerIndex))}`,
        ],
      };
    },
  },
  {
    id: 'eu-ai-act.art-12',
    title: 'Record-keeping (logging)',
    asks: 'Events are recorded automatically over the system’s lifetime so that its functioning can be traced (Art. 12).',
    assess: (c) =>
      c.hasEntries
        ? { status: 'evidenced', reason: 'every event in scope is a ledger entry proven into a signed checkpoint', kinds: ['*'], files: INTEGRITY_FILES, facts: [entryCountFact(c), ...integrityFacts(c)] }
        : outOfScope('entry'),
  },
  {
    id: 'eu-ai-act.annex-iv.6',
    title: 'Changes through the lifecycle',
    asks: 'Relevant changes made to the system through its lifecycle are described (Annex IV point 6).',
    assess: (c) => {
      if (c.versions.length === 0 && c.f.deployments.length === 0 && c.f.policies.length === 0) return outOfScope('version, deployment or policy change');
      return {
        status: 'evidenced',
        reason: 'each version’s state changes, each deployment and rollback, and each policy version are recorded',
        kinds: ['model_version.*', 'deployment.*', 'policy.*'],
        facts: [
          ...c.versions.map((ver) => {
            const steps = lifecycle(c.f.timeline.filter((t) => t.subject === `model-version:${ver.v.id}`));
            return `${label(ver)}: ${steps.length > 0 ? steps.join(' → ') : `registered ${at(ver.v.ledgerIndex)}`}; now ${ver.v.state}`;
          }),
          ...deploymentFacts(c),
          ...policyFacts(c),
        ],
      };
    },
  },
];

const HIPAA: readonly ControlRule[] = [
  {
    id: 'hipaa.164.312(b)',
    title: 'Audit controls',
    asks: 'Mechanisms record and examine activity in information systems that contain or use ePHI (45 CFR §164.312(b)).',
    assess: (c) => {
      if (!c.hasEntries) return outOfScope('entry');
      const ephi = c.f.datasets.filter((d) => hasAny(d.dataClasses, EPHI_CLASSES));
      const ephiVersions = c.versions.filter((ver) => hasAny(ver.v.dataClasses, EPHI_CLASSES));
      return {
        status: 'evidenced',
        reason: 'every action on the datasets, models and deployments in scope is a signed, provable ledger entry naming who, what and when',
        kinds: ['*'],
        files: INTEGRITY_FILES,
        facts: [
          ephi.length + ephiVersions.length === 0
            ? 'no ePHI in scope'
            : `ePHI in scope: ${[...ephi.map((d) => `dataset ${d.name} ${at(d.ledgerIndex)}`), ...ephiVersions.map((ver) => `${label(ver)} ${at(ver.v.ledgerIndex)}`)].join(', ')}`,
          entryCountFact(c),
          ...integrityFacts(c),
        ],
      };
    },
  },
];

const SOX: readonly ControlRule[] = [
  {
    id: 'sox.itgc.change-management',
    title: 'Change management',
    asks: 'Changes to production models and their governing policy are authorised, tested and approved before they reach production, and recorded.',
    assess: (c) => {
      const decided = policyDecisions(c);
      if (c.f.deployments.length === 0 && decided.length === 0) return outOfScope('deployment or policy change');
      const gaps: string[] = [];
      const facts: string[] = [];
      for (const d of c.f.deployments) {
        const before = approvalsBefore(c, d);
        const validated = c.about(`model-version:${d.versionId}`, 'model_version.validated');
        if (before === undefined) gaps.push(`deployment ${d.id}: version ${d.versionId} and its approvals are not in this package`);
        else if (before.length === 0) gaps.push(`deployment ${d.id} ${at(d.ledgerIndex)} had no approval before it`);
        facts.push(
          `${d.rollbackOf === null ? 'deployment' : `rollback of ${d.rollbackOf} as`} ${d.id} ${at(d.ledgerIndex)} of ${d.version ?? d.versionId} to ${d.zone}/${d.environment} by ${d.deployedBy} at ${d.startedAt}: ` +
            `preceded by ${plural(before?.length ?? 0, 'approval')}${ats((before ?? []).map((a) => a.ledgerIndex))}${validated.length > 0 ? ` and validation${ats(validated)}` : ''}`,
        );
      }
      for (const p of decided) {
        const gap = policyGap(p);
        if (gap) gaps.push(gap);
      }
      return {
        ...judge(gaps, 'every deployment was of a validated version approved before it, and every policy change was approved by someone other than its proposer'),
        kinds: ['model_version.submitted', 'model_version.validated', 'model_version.approval', 'deployment.created', 'deployment.rolled_back', 'deployment.retired', 'deployment.refused', 'policy.proposed', 'policy.activated', 'policy.rejected'],
        files: versionFiles(c, [...VALIDATION_KINDS, 'rollback_plan']),
        facts: [...facts, ...policyFacts(c)],
      };
    },
  },
  {
    id: 'sox.itgc.segregation-of-duties',
    title: 'Segregation of duties',
    asks: 'No one person both makes and approves a change; conflicting duties are separated and the separation is enforced.',
    assess: (c) => {
      const decided = policyDecisions(c);
      if (c.approvals.length === 0 && decided.length === 0) return outOfScope('approval or policy decision');
      const gaps = [
        ...c.versions.flatMap((ver) => conflicts(ver).map((who) => `${who} approved ${label(ver)}, which they developed or submitted`)),
        ...c.versions.flatMap((ver) => sorted(ver.v.approvals.map((a) => a.approver)).filter((who) => sorted(ver.v.approvals.filter((a) => a.approver === who).map((a) => a.role)).length > 1).map((who) => `${who} filled two roles on ${label(ver)}`)),
        ...decided.map(policyGap).filter((g): g is string => g !== null),
      ];
      const refused = c.refusals.filter((r) => r.kind === 'model_version.approval_refused');
      return {
        ...judge(gaps, `no approval by an author, trainer or submitter${refused.length > 0 ? `; ${plural(refused.length, 'attempted self-approval')} refused and recorded` : ''}`),
        kinds: ['model_version.approval', 'model_version.approval_refused', 'policy.approval_refused', 'policy.activated', 'policy.rejected'],
        facts: [...approvalFacts(c), ...refusalFacts(refused), ...decided.map((p) => `policy ${p.id} ${at(p.ledgerIndex)}: proposed by ${p.proposedBy}, decided by ${p.decidedBy}`)],
      };
    },
  },
  {
    id: 'sox.itgc.access',
    title: 'Logical access',
    asks: 'Access to change production systems is granted and revoked under control; privileged and emergency access is restricted and logged.',
    assess: (c) => {
      const grants = c.count(['token.*', 'break_glass.*', 'principal.*']);
      const elevated = c.f.timeline.filter((t) => t.elevation !== undefined);
      if (grants === 0 && elevated.length === 0) return { ...outOfScope('credential, elevation or principal entry'), reason: 'no credential, elevation or principal entry in this package’s scope (export a time range or a principal:… subject for access evidence)' };
      return {
        ...judge(grants === 0 ? ['actions under break-glass elevation are recorded, but the grants are outside this scope'] : [], 'credentials and emergency elevations are granted, denied and revoked through recorded entries'),
        kinds: ['token.*', 'break_glass.*', 'principal.*'],
        facts: elevated.map((t) => `${t.kind} ${at(t.index)} by ${t.actor} at ${t.time} under break-glass elevation ${t.elevation}`),
      };
    },
  },
];

const PCI_DSS: readonly ControlRule[] = [
  {
    id: 'pci-dss.10.2',
    title: 'Audit logs capture required details',
    asks: 'Each logged event records user identity, event type, date and time, success or failure, origin, and the affected data, component or resource (10.2.1, 10.2.2).',
    assess: (c) => {
      if (!c.hasEntries) return outOfScope('entry');
      const failures = failureEntries(c);
      return {
        status: 'evidenced',
        reason: 'every entry records the actor, kind, time and subject; refusals and failures are entries of their own kinds',
        kinds: ['*'],
        facts: [
          entryCountFact(c),
          'each entry records the actor (id, type, how it authenticated and the credential id), the event kind, the time and the affected subject; origin is the authenticated credential, not a network address',
          `${plural(failures.reduce((n, e) => n + e.count, 0), 'refusal or failure', 'refusals or failures')}${failures.length > 0 ? `: ${failures.map((e) => `${e.kind} ×${e.count}`).join(', ')}` : ''}`,
          ...(hasAny(c.dataClasses, CARDHOLDER_CLASSES) ? [] : ['no cardholder data in scope (PCI DSS applies to the cardholder data environment)']),
        ],
      };
    },
  },
  {
    id: 'pci-dss.10.3',
    title: 'Audit logs are protected from destruction and unauthorised modification',
    asks: 'Audit logs are read-protected, protected from modification, and promptly backed up (10.3.1–10.3.4).',
    assess: (c) =>
      c.hasEntries ? { status: 'evidenced', reason: 'the entries are proven into a signed Merkle checkpoint: any change is detected', kinds: [], files: INTEGRITY_FILES, facts: integrityFacts(c) } : outOfScope('entry'),
  },
  {
    id: 'pci-dss.10.5',
    title: 'Audit log history is retained',
    asks: 'Audit log history is kept for at least 12 months, the last three months immediately available (10.5.1).',
    assess: (c) => {
      const first = c.f.entries.first;
      if (first === null) return outOfScope('entry');
      const days = Math.floor((Date.parse(c.f.log.asOf) - Date.parse(first.time)) / 86_400_000);
      const fact = `the oldest entry in scope ${at(first.index)} is ${plural(days, 'day')} older than the checkpoint (${c.f.log.asOf}) and is still provable`;
      return {
        ...(days >= 365 ? { status: 'evidenced' as const, reason: 'entries more than 12 months old are retained and provable' } : { status: 'partial' as const, reason: 'the entries in scope span less than 12 months; retention settings are not part of the package' }),
        facts: [fact],
      };
    },
  },
  {
    id: 'pci-dss.10.7',
    title: 'Failures of critical security controls are detected and addressed',
    asks: 'Failures of critical security control systems are detected, alerted and promptly responded to (10.7.1–10.7.3).',
    assess: (c) => {
      if (!c.hasEntries) return outOfScope('entry');
      const failures = failureEntries(c);
      return {
        status: 'partial',
        reason: 'control refusals, failed validations and runs, and rollbacks in response are recorded; detection of failures of the logging system itself is operational evidence outside the package',
        kinds: [...failures.map((e) => e.kind), 'deployment.rolled_back', 'model_version.suspended'],
        facts: [...refusalFacts(c.refusals), ...deploymentFacts(c).filter((f) => f.startsWith('rollback'))],
      };
    },
  },
];

const GDPR: readonly ControlRule[] = [
  {
    id: 'gdpr.art-30.1.b',
    title: 'Purposes of the processing',
    asks: 'The record states the purposes of the processing (and, for each dataset, the legal basis relied on).',
    assess: (c) => {
      if (c.f.datasets.length === 0 && c.f.models.length === 0) return outOfScope('dataset or model');
      const gaps = c.f.datasets.filter((d) => hasAny(d.dataClasses, PERSONAL_CLASSES) && d.legalBasis === null).map((d) => `dataset ${d.name} holds personal data with no legal basis recorded`);
      return {
        ...judge(gaps, 'purposes are the models’ use cases; every dataset with personal data records its legal basis'),
        kinds: ['model.registered', 'model_version.submitted', 'dataset.registered'],
        facts: [
          ...c.f.models.map((m) => `purpose: ${m.name} ${at(m.ledgerIndex)} — ${m.useCase}: ${m.description}`),
          ...c.f.datasets.map((d) => `legal basis for ${d.name} ${at(d.ledgerIndex)}: ${d.legalBasis ?? 'not recorded'}`),
        ],
      };
    },
  },
  {
    id: 'gdpr.art-30.1.c',
    title: 'Categories of data subjects and of personal data',
    asks: 'The record describes the categories of data subjects and the categories of personal data.',
    assess: (c) => {
      if (c.f.datasets.length === 0) return outOfScope('dataset');
      const gaps = c.f.datasets.filter((d) => d.dataClasses.length === 0).map((d) => `dataset ${d.name} has no data class`);
      return {
        ...judge(gaps, `data classes in scope: ${list(c.dataClasses)}`),
        kinds: ['dataset.registered', 'dataset.declassified'],
        facts: [`data classes: ${list(c.dataClasses)}`, ...c.f.datasets.map((d) => `${d.name} ${at(d.ledgerIndex)}: ${list(d.dataClasses)} from ${d.sourceSystem ?? (d.derivation ? 'derivation' : 'an unrecorded source')}, owner ${d.owner ?? 'not recorded'}`)],
      };
    },
  },
  {
    id: 'gdpr.art-30.1.d',
    title: 'Recipients',
    asks: 'The record names the categories of recipients to whom the personal data are or will be disclosed.',
    assess: (c) => {
      if (c.f.datasets.length === 0) return outOfScope('dataset');
      const used = c.f.runs.length + c.f.deployments.length;
      return {
        ...judge(used === 0 ? ['no use of the data (training run or deployment) is in scope'] : [], 'the runs that read the data and the zones where models trained on it run are recorded'),
        kinds: ['run.started', 'deployment.created', 'deployment.rolled_back'],
        facts: [
          ...c.f.runs.map((r) => `run ${r.name} ${at(r.ledgerIndex)} by ${r.trainer} read ${plural(r.inputs.length, 'dataset')}`),
          ...sorted(c.f.deployments.map((d) => `${d.zone}/${d.environment}`)).map((z) => `models trained on the data serve in ${z}`),
        ],
      };
    },
  },
  {
    id: 'gdpr.art-30.1.e',
    title: 'Transfers to third countries',
    asks: 'The record identifies transfers to a third country or international organisation, with their safeguards.',
    assess: (c) => {
      if (c.f.datasets.length === 0) return outOfScope('dataset');
      const zones = sorted([...c.f.deployments.map((d) => d.zone), ...c.versions.flatMap(({ v }) => v.zones)]);
      return {
        status: 'partial',
        reason: 'zones are named; their locations and egress rules are in the policy version in force, not restated in this package',
        kinds: ['policy.activated'],
        facts: [`zones in scope: ${list(zones)}`, ...c.f.policies.map((p) => `policy ${p.id} ${at(p.ledgerIndex)} (${p.status}) hash ${p.hash}`)],
      };
    },
  },
  {
    id: 'gdpr.art-30.1.f',
    title: 'Retention',
    asks: 'The record states, where possible, the time limits for erasure of each category of data.',
    assess: (c) => {
      if (c.f.datasets.length === 0) return outOfScope('dataset');
      const gaps = c.f.datasets.filter((d) => d.retentionClass === null).map((d) => `dataset ${d.name} has no retention class`);
      return {
        ...judge(gaps, 'every dataset records its retention class'),
        kinds: ['dataset.registered', 'dataset.deprecated'],
        facts: c.f.datasets.map((d) => `${d.name} ${at(d.ledgerIndex)}: retention ${d.retentionClass ?? 'not recorded'}`),
      };
    },
  },
  {
    id: 'gdpr.art-30.1.g',
    title: 'Security measures',
    asks: 'The record describes the technical and organisational security measures of Art. 32(1).',
    assess: (c) => {
      if (c.f.datasets.length === 0) return outOfScope('dataset');
      const quarantined = c.f.datasets.filter((d) => d.state === 'quarantine');
      return {
        status: 'evidenced',
        reason: 'data is certified before use, placement is restricted to approved zones, duties are separated, and every action is in a tamper-evident log',
        kinds: ['dataset.certified', 'dataset.certification_refused', 'run.refused', 'deployment.refused'],
        files: INTEGRITY_FILES,
        facts: [
          `${plural(c.f.datasets.length - quarantined.length, 'dataset')} out of quarantine, ${quarantined.length} still quarantined`,
          ...refusalFacts(c.refusals.filter((r) => r.kind === 'deployment.refused')),
          ...integrityFacts(c),
        ],
      };
    },
  },
];

export const FRAMEWORKS: readonly { id: string; title: string; source: string; rules: readonly ControlRule[] }[] = [
  { id: 'sr-11-7', title: 'SR 11-7 Supervisory Guidance on Model Risk Management', source: 'Federal Reserve SR 11-7 / OCC Bulletin 2011-12 (2011)', rules: SR_11_7 },
  { id: 'eu-ai-act', title: 'EU AI Act — technical documentation', source: 'Regulation (EU) 2024/1689, Annex IV with Articles 9, 10, 12 and 14', rules: EU_AI_ACT },
  { id: 'hipaa', title: 'HIPAA Security Rule — audit controls', source: '45 CFR §164.312(b)', rules: HIPAA },
  { id: 'sox', title: 'SOX IT general controls', source: 'Sarbanes-Oxley Act §404; PCAOB AS 2201 IT general controls', rules: SOX },
  { id: 'pci-dss', title: 'PCI DSS v4.0 requirement 10 — log and monitor all access', source: 'PCI DSS v4.0 (2022), requirement 10', rules: PCI_DSS },
  { id: 'gdpr', title: 'GDPR Article 30 — records of processing activities', source: 'Regulation (EU) 2016/679, Article 30(1)', rules: GDPR },
];
