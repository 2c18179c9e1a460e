import { ROLES } from '../auth/permissions.js';
import { deepFreeze } from './freeze.js';
import { READ_KINDS } from './pack.js';

/**
 * The JSON Schema (draft 2020-12) of a policy pack, version 1: the single source. The published
 * copy, docs/policy-pack.schema.json, is this object as `JSON.stringify(schema, null, 2)` and a
 * test keeps the two equal. What a schema cannot say (a zone named by a class must be declared,
 * a minimum below its maximum…) is checked afterwards, in cross-references.ts.
 */
export const POLICY_PACK_SCHEMA_ID = 'https://cairn.dev/schemas/policy-pack-v1.json';

/** Lower-case words joined by `-` or `_`, starting with a letter: `hipaa-ai`, `personal_data`. */
export const NAME_PATTERN = '^[a-z][a-z0-9]*([_-][a-z0-9]+)*$';
/** A DNS host name, lower case, no wildcard: `model-registry.internal`. */
export const HOSTNAME_PATTERN = '^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$';
/** An SPDX licence identifier (or a `LicenseRef-`): `Apache-2.0`, `BSD-3-Clause`. */
export const SPDX_PATTERN = '^[A-Za-z0-9][A-Za-z0-9.+-]*$';
/** A container image digest: `sha256:` and 64 lower-case hex digits. */
export const IMAGE_DIGEST_PATTERN = '^sha256:[0-9a-f]{64}$';
const LABEL = '[a-z0-9]([a-z0-9-]*[a-z0-9])?';
/** A registry host as the container runtime recognises one: it has a dot or a port, or is localhost. */
const REGISTRY = `((localhost|${LABEL}(\\.${LABEL})+)(:[0-9]{1,5})?|${LABEL}:[0-9]{1,5})`;
const PATH_COMPONENT = '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*';
/** An image repository with its registry, no tag or digest: `registry.internal/serving/triton`. */
export const REPOSITORY_PATTERN = `^(?=.{1,255}$)${REGISTRY}(/${PATH_COMPONENT})+$`;
/** A registry, or a path in one, ending with `/`: `registry.internal/platform/`. */
export const REPOSITORY_PREFIX_PATTERN = `^(?=.{1,255}$)${REGISTRY}(/${PATH_COMPONENT})*/$`;

export const REVIEWER_ROLES = ROLES.filter((role) => role.startsWith('reviewer:'));

const ref = (name: string) => ({ $ref: `#/$defs/${name}` });
const flag = (description: string) => ({ type: 'boolean', description });
const text = (description: string) => ({ type: 'string', minLength: 1, description });
const days = (description: string, maximum: number) => ({ type: 'integer', minimum: 1, maximum, description });
const list = (items: object, description: string, minItems = 0) => ({ type: 'array', items, uniqueItems: true, minItems, description });
const namedMap = (item: string, description: string) => ({
  type: 'object',
  description,
  minProperties: 1,
  propertyNames: ref('name'),
  additionalProperties: ref(item),
});
const strictObject = (required: readonly string[], properties: Record<string, object>, description?: string) => ({
  type: 'object',
  ...(description === undefined ? {} : { description }),
  required: [...required],
  additionalProperties: false,
  properties,
});

const zone = strictObject(
  ['description', 'region', 'ingress', 'egress', 'controls', 'workload_requirements'],
  {
    description: text('What runs here and why the zone exists.'),
    region: text('Where the zone physically runs (site, jurisdiction).'),
    ingress: { enum: ['private', 'public'], description: 'private: reachable only from inside the perimeter; public: reachable from outside it.' },
    egress: strictObject(['default'], {
      default: { enum: ['deny', 'allow'], description: 'What happens to outbound traffic to a host not listed.' },
      allow: list(ref('hostname'), 'Hosts reachable when the default is deny.'),
    }),
    controls: strictObject(
      ['audit_logging', 'redacted_logs', 'network_segmentation', 'encrypted_volumes', 'external_llm_calls'],
      {
        audit_logging: flag('Every access is written to the audit log.'),
        redacted_logs: flag('Application logs are redacted of personal and secret values before they are stored.'),
        network_segmentation: flag('The zone is a separate network segment, isolated from other zones.'),
        encrypted_volumes: flag('Storage in the zone is encrypted at rest.'),
        external_llm_calls: flag('Whether workloads in the zone can reach LLM services outside the perimeter.'),
      },
      'Facts about the zone, stated explicitly: every control is required, true or false.',
    ),
    workload_requirements: strictObject(
      ['signed_images', 'encrypted_volumes', 'runtime_identity'],
      {
        signed_images: flag('Workloads must run container images with a verified signature.'),
        encrypted_volumes: flag('Workloads must mount only encrypted volumes.'),
        runtime_identity: flag('Workloads must run with a workload identity (e.g. SPIFFE), not a shared secret.'),
      },
      'What every workload placed in the zone must do.',
    ),
    admission: strictObject(
      [],
      {
        image_allow_list: {
          type: 'array',
          description: 'Images, other than the artifacts of model versions deployed in the zone, that may run there: each repository with the digests admitted.',
          items: strictObject(['repository', 'digests'], {
            repository: { type: 'string', pattern: REPOSITORY_PATTERN, description: 'The repository with its registry, as the container runtime resolves it: docker.io/library/python, not python.' },
            digests: list({ type: 'string', pattern: IMAGE_DIGEST_PATTERN }, 'The image digests admitted from this repository.', 1),
            description: text('What the image is and why it may run here.'),
          }),
        },
        trusted_repository_prefixes: list(
          { type: 'string', pattern: REPOSITORY_PREFIX_PATTERN },
          'Registries or registry paths, ending with "/", from which any image pinned by digest may run: trust in whoever can push there.',
        ),
      },
      'What the Kubernetes admission webhook lets run in a zone whose workload_requirements.signed_images is true: every image pinned by digest, and an artifact of a model version deployed in the zone or listed here. Ignored otherwise.',
    ),
  },
  'A place where workloads run, with its network posture and controls.',
);

const dataClass = strictObject(
  ['description', 'allowed_zones', 'requires', 'retention'],
  {
    label: text('How decisions name the class, e.g. "ePHI"; the key when absent.'),
    description: text('What data belongs to the class.'),
    allowed_zones: list(ref('name'), 'The only zones where data of this class may be placed.', 1),
    requires: strictObject(
      [],
      {
        redacted_logs: flag('The zone must redact logs.'),
        audit_logging: flag('The zone must write an audit log.'),
        network_segmentation: flag('The zone must be network-segmented.'),
        encrypted_volumes: flag('The zone must encrypt storage at rest.'),
        private_ingress: flag('The zone must have private ingress.'),
        no_external_llm_calls: flag('No call to an external LLM may be possible from the zone, nor made by the workload.'),
      },
      'What any zone holding this class must provide; an absent key is not required.',
    ),
    retention: strictObject(['days', 'legal_basis_required'], {
      days: days('How long data of the class may be kept.', 36500),
      legal_basis_required: flag('A legal basis must be recorded before processing.'),
    }),
    two_person_declassification: flag('Removing this class from a dataset takes two stewards: one declassifies, another (who neither declassified nor registered it) approves.'),
  },
  'A classification of data and where it may go.',
);

const evidence = strictObject(['kind'], {
  kind: ref('name'),
  description: text('What the evidence must show.'),
  metrics: {
    type: 'object',
    description: 'Thresholds the evidence must report, by metric name.',
    propertyNames: ref('name'),
    additionalProperties: {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: { min: { type: 'number' }, max: { type: 'number' } },
    },
  },
});

const riskTier = strictObject(
  ['description', 'required_evidence', 'approvals', 'rollback_plan_required', 'monitoring_required', 'approval_validity_days'],
  {
    description: text('Which models belong to the tier.'),
    use_cases: list(ref('name'), 'Use cases that put a model in this tier.'),
    required_evidence: { type: 'array', items: evidence, description: 'Evidence a model version must carry before approval.' },
    approvals: {
      type: 'array',
      minItems: 1,
      description: 'Who must approve, and how many of each.',
      items: strictObject(['role', 'count'], {
        role: { enum: REVIEWER_ROLES, description: 'A reviewer role.' },
        count: { type: 'integer', minimum: 1, maximum: 10 },
      }),
    },
    rollback_plan_required: flag('A deployment must name a rollback plan.'),
    monitoring_required: flag('A deployment must name a monitoring plan.'),
    approval_validity_days: days('An approval expires after this many days.', 3650),
    require_complete_lineage: flag(
      'A version is validated only if its training run is recorded and lineage-complete: inputs, code repository and commit, image, lock file, parameters, metrics, evaluator, outputs, end time (default false). Not waivable.',
    ),
  },
  'A risk tier for models: the evidence and approvals it needs.',
);

const artifacts = strictObject(
  ['signature_required', 'scan_required', 'licence_allow_list', 'max_age_days_before_review'],
  {
    signature_required: flag('Artifacts (images, model files) must be signed to be admitted.'),
    scan_required: flag('Artifacts must have a vulnerability scan to be admitted.'),
    licence_allow_list: list(ref('spdx'), 'The only licences admitted, as SPDX identifiers.', 1),
    max_age_days_before_review: days('An artifact older than this must be reviewed again.', 3650),
  },
  'Admission rules for artifacts.',
);

const breakGlass = strictObject(
  ['max_minutes', 'grants'],
  {
    max_minutes: { type: 'integer', minimum: 1, maximum: 60, description: 'The longest an elevation lasts; never more than 60.' },
    grants: {
      type: 'array',
      description: 'Who may assume which roles in an emergency; no grant means no break-glass.',
      items: strictObject(['eligible_roles', 'may_assume'], {
        description: text('Why the grant exists.'),
        eligible_roles: list(ref('role'), 'A requester holding any of these roles may use the grant.', 1),
        may_assume: list(ref('role'), 'The roles the grant lets them assume.', 1),
      }),
    },
  },
  'Time-boxed emergency elevation.',
);

const training = strictObject(
  [],
  {
    allow_quarantined_inputs: flag('A training run may read dataset versions still in quarantine (default false: certified data only).'),
    allow_unknown_inputs: flag('A training run may read data that is not registered in Cairn (default false).'),
  },
  'What training runs may read. Optional; without it, runs read certified dataset versions only.',
);

const waivers = strictObject(
  ['approver_roles', 'max_days'],
  {
    approver_roles: list(ref('role'), 'Roles that may approve a waiver of a failed rule (never its requester).', 1),
    max_days: { type: 'integer', minimum: 1, maximum: 365, description: 'The longest a waiver holds.' },
  },
  'Exceptions to failed validation rules. Optional; without it, reviewer:model-risk or reviewer:compliance approve, for at most 90 days.',
);

const tokens = strictObject(
  ['default_hours', 'max_days'],
  {
    default_hours: { type: 'integer', minimum: 1, maximum: 8784, description: 'Lifetime of a token issued without one.' },
    max_days: { type: 'integer', minimum: 1, maximum: 366, description: 'The longest lifetime a token may be given; a token without expiry needs an explicit flag and a reason.' },
  },
  'API token lifetimes. Optional; without it, tokens live 12 hours unless asked for longer, and 90 days at most.',
);

const audit = strictObject(
  ['record_reads'],
  {
    record_reads: list({ enum: [...READ_KINDS] }, 'The reads the ledger records (who, what, when), each before its response is sent; [] records none.'),
  },
  'The audit trail of data access. Optional; without it, every kind of sensitive read is recorded.',
);

export const POLICY_PACK_SCHEMA: { readonly $id: string; readonly [keyword: string]: unknown } = deepFreeze({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: POLICY_PACK_SCHEMA_ID,
  title: 'Cairn policy pack, version 1',
  ...strictObject(['version', 'name', 'description', 'zones', 'data_classes', 'risk_tiers', 'artifacts', 'break_glass'], {
    version: { const: 1, description: 'The format of this file; 1.' },
    name: ref('name'),
    description: text('What the pack is for and who owns it.'),
    zones: namedMap('zone', 'Zones by name.'),
    data_classes: namedMap('data_class', 'Data classes by name.'),
    risk_tiers: namedMap('risk_tier', 'Risk tiers by name.'),
    artifacts,
    break_glass: breakGlass,
    training,
    waivers,
    tokens,
    audit,
  }),
  $defs: {
    name: { type: 'string', pattern: NAME_PATTERN, maxLength: 63 },
    hostname: { type: 'string', pattern: HOSTNAME_PATTERN },
    spdx: { type: 'string', pattern: SPDX_PATTERN },
    role: { enum: [...ROLES] },
    zone,
    data_class: dataClass,
    risk_tier: riskTier,
  },
});
