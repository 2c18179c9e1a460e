import { actorOf, type Principal } from '../../auth/principal.js';
import type { PolicyRegistry } from '../../governance/policy-registry.js';
import type { JsonObject } from '../../ledger/entry.js';
import type { Ledger } from '../../ledger/ledger.js';
import { allow, decision, deny, type Decision, type LoadedPolicy, type RuleResult } from '../../policy/index.js';
import { rfc3339 } from '../../ledger/entry.js';
import type { Store } from '../../store/store.js';
import { waiverRules } from '../deploy-rules.js';
import { SLOT_HOLDING_STATES, versionFacts, type VersionFacts } from '../records.js';
import { waivedRules, type WaivedRule } from '../waiver-standing.js';
import { ADMISSION_DEFAULTS, zoneOfNamespace, type AdmissionOptions } from './admission-config.js';
import { imageRules } from './image-rules.js';
import { admissionResponse, type AdmissionRequest, type AdmissionReview, type AdmissionReviewResponse } from './admission-review.js';
import { MODEL_VERSION_ANNOTATION, ZONE_ANNOTATION, objectName, workloadOf, type ModelClaim } from './workload-models.js';

/** More claims than any real pod makes: a larger object is refused rather than examined. */
const MAX_CLAIMS = 256;

/** A claim with the registered versions it names (by id) or matches (by artifact digest). */
interface ResolvedClaim {
  readonly claim: ModelClaim;
  readonly versions: readonly VersionFacts[];
}

/** What admission knows of a claimed version's deployments and exceptions. */
interface Standing {
  /** Deployments holding a slot (active or suspended), by version id, in any zone. */
  readonly deployments: Map<string, { id: string; zone: string; environment: string; state: string }[]>;
  /** The waivers each version's validation relied on. */
  readonly waivers: Map<string, WaivedRule[]>;
  /** Now, RFC 3339 UTC: approvals and waivers must not have expired. */
  readonly at: string;
}

/**
 * The validating admission webhook: may this Kubernetes object run here? Allowed iff every model
 * it carries — a version named by the `cairn.dev/model-version` annotation, or a container image
 * whose digest is an artifact of a registered version — is a `deployed` version with an active
 * deployment in the namespace's zone, whose approval and relied-on waivers have not expired. In a
 * zone whose policy requires signed images, every image must moreover be pinned by digest and be
 * such an artifact or on the zone's allow-list (image-rules.ts): nothing runs there unvouched.
 * Elsewhere objects carrying no model pass. Kinds Cairn does not understand pass or fail as
 * configured (fail closed by default). Every decision reads the store afresh — nothing is cached,
 * so a suspension or an expiry holds from the next review on. Every decision is written to the
 * ledger as `admission.decided`, except on dry runs, which change nothing.
 */
export class Admission {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #policies: PolicyRegistry;
  readonly #options: AdmissionOptions;
  readonly #now: () => number;

  constructor(store: Store, ledger: Ledger, policies: PolicyRegistry, options: AdmissionOptions = {}, now: () => number = Date.now) {
    this.#store = store;
    this.#ledger = ledger;
    this.#policies = policies;
    this.#options = options;
    this.#now = now;
  }

  /**
   * @example
   * const answer = await admission.review(principal, review); // { apiVersion, kind: 'AdmissionReview', response: { uid, allowed } }
   */
  async review(principal: Principal, review: AdmissionReview): Promise<AdmissionReviewResponse> {
    const req = review.request;
    const { policy } = await this.#policies.active();
    const { decision: d, zone, models } = await this.decide(req, policy);
    const what = describe(req);
    let recorded = 'dry run: not recorded';
    if (req.dryRun !== true) {
      const entry = {
        kind: 'admission.decided',
        subject: `admission:${req.uid}`,
        body: {
          uid: req.uid,
          operation: req.operation,
          kind: { ...req.kind },
          namespace: req.namespace ?? null,
          name: nameOf(req) ?? null,
          user: req.userInfo?.username ?? null,
          zone: zone ?? null,
          models,
          allowed: d.allowed,
          reasons: [...d.reasons],
          decision: d as unknown as JsonObject,
        },
      };
      // A denial loop (a controller re-creating a refused pod) must not flood the ledger: denials
      // go through the refusal limit; allowed admissions are each written.
      const actor = actorOf(principal);
      const written = d.allowed ? { ledgerIndex: (await this.#ledger.append({ actor, entries: [entry] })).entries[0]!.index } : await this.#ledger.refusals.record(actor, entry);
      recorded = 'ledgerIndex' in written ? `Cairn ledger entry ${written.ledgerIndex}` : 'counted with similar recent denials in one ledger entry';
    }
    return admissionResponse(req.uid, d.allowed, `Cairn denied ${what}: ${d.reasons.join('; ')} (${recorded})`);
  }

  /** The decision alone, with the zone and the models it found; reads only. */
  async decide(req: AdmissionRequest, policy: LoadedPolicy): Promise<{ decision: Decision; zone: string | undefined; models: JsonObject[] }> {
    const what = describe(req);
    const done = (rules: RuleResult[], zone?: string, models: JsonObject[] = []) => ({ decision: decision('admission', rules, [], policy.hash), zone, models });
    if (req.operation === 'DELETE' || req.operation === 'CONNECT') return done([allow('admission.operation', `${req.operation} of ${what} starts no container`)]);
    if (req.subResource === 'status') return done([allow('admission.subresource', `a status update of ${what} changes no container`)]);

    const workload = workloadOf(req.kind, req.object);
    if (!workload) {
      const kind = `${req.kind.group ? `${req.kind.group}/` : ''}${req.kind.version} ${req.kind.kind}`;
      const failOpen = (this.#options.unknownKinds ?? ADMISSION_DEFAULTS.unknownKinds) === 'allow';
      return done([
        failOpen
          ? allow('admission.kind', `${kind} is not a workload kind Cairn inspects; allowed by configuration (unknownKinds: allow)`)
          : deny('admission.kind', `${kind} is not a workload kind Cairn inspects, and unknown kinds are refused (unknownKinds: deny)`),
      ]);
    }
    if (workload.claims.length > MAX_CLAIMS || workload.images.length > MAX_CLAIMS) {
      return done([deny('admission.claims', `${what} makes ${workload.claims.length} model claims and runs ${workload.images.length} containers; at most ${MAX_CLAIMS} of each are examined`)]);
    }
    let claims = workload.claims;
    let images = workload.images;
    if (req.operation === 'UPDATE') {
      // Only what the update adds is checked: a workload whose model was rolled back must still
      // be scaled down, relabelled and finalised, or it could never be removed.
      const old = workloadOf(req.kind, req.oldObject);
      const before = new Set(old?.claims.map((c) => c.key) ?? []);
      claims = claims.filter((c) => !before.has(c.key));
      const imagesBefore = new Set(old?.images.map((i) => i.image) ?? []);
      images = images.filter((i) => !imagesBefore.has(i.image));
    }
    const resolved = (await this.#resolve(claims)).filter((r) => r.versions.length > 0 || r.claim.versionId !== undefined);
    const { zone, because } = zoneOfNamespace(req.namespace, this.#options, policy);
    const zonePolicy = zone !== undefined && Object.hasOwn(policy.pack.zones, zone) ? policy.pack.zones[zone]! : undefined;
    const signedOnly = zonePolicy?.workload_requirements.signed_images === true;
    if (resolved.length === 0 && !signedOnly && (zone === undefined || zonePolicy)) {
      const none = req.operation === 'UPDATE' && workload.claims.length > 0 ? 'this update adds no model to' : 'no registered model is carried by';
      return done([allow('admission.no_model', `${none} ${what} (no ${MODEL_VERSION_ANNOTATION} annotation, no image digest of a registered version)${zone ? `, and zone ${zone} does not require signed images` : ''}`)], zone);
    }

    const models = resolved.map(({ claim, versions }) => ({ container: claim.container, ...(claim.versionId ? { versionId: claim.versionId } : {}), ...(claim.digest ? { digest: claim.digest } : {}), versions: versions.map((v) => v.id) }));
    if (zone === undefined) return done([deny('admission.zone', `${what} carries a model, but ${because}`)], undefined, models);
    // A namespace mapped to a zone the pack does not declare (renamed, removed) is refused whatever
    // it runs: the mapping says it is governed, and no rule of that zone can be read.
    if (!zonePolicy) return done([deny('admission.zone', `${because}, which the active policy pack does not declare`)], zone, models);
    const rules: RuleResult[] = [allow('admission.zone', because)];
    for (const declared of workload.declaredZones) {
      rules.push(declared === zone ? allow('admission.zone_annotation', `${what} declares ${ZONE_ANNOTATION}: ${declared}, its namespace's zone`) : deny('admission.zone_annotation', `${what} declares ${ZONE_ANNOTATION}: ${declared}, but its namespace is in ${zone}`));
    }
    const standing = await this.#standing(resolved.flatMap((r) => r.versions.map((v) => v.id)));
    for (const r of resolved) rules.push(...claimRules(r, zone, standing));
    if (signedOnly) {
      const modelDigests = new Set(resolved.flatMap((r) => (r.claim.digest && r.versions.length > 0 ? [r.claim.digest] : [])));
      rules.push(...imageRules(zone, zonePolicy, images, modelDigests));
    }
    return done(rules, zone, models);
  }

  /** The registered versions each claim names or matches. */
  async #resolve(claims: readonly ModelClaim[]): Promise<ResolvedClaim[]> {
    if (claims.length === 0) return [];
    const db = this.#store.db;
    const ids = [...new Set(claims.flatMap((c) => (c.versionId ? [c.versionId] : [])))];
    const digests = [...new Set(claims.flatMap((c) => (c.digest ? [c.digest] : [])))];
    // `artifacts` is a JSON array of { name, digest }; a digest (sha256: and hex) holds no LIKE
    // wildcard, and each candidate is confirmed on the parsed array below.
    const rows = await db
      .selectFrom('model_versions')
      .selectAll()
      .where((eb) => eb.or([...(ids.length > 0 ? [eb('id', 'in', ids)] : []), ...digests.map((d) => eb('artifacts', 'like', `%"${d}"%`))]))
      .execute();
    const versions = rows.map(versionFacts);
    return claims.map((claim) => ({
      claim,
      versions: versions.filter((v) => (claim.versionId ? v.id === claim.versionId : v.artifacts.some((a) => a.digest === claim.digest))),
    }));
  }

  /** The deployments holding a slot, and the relied-on waivers, of these versions (to say where a refused one does run). */
  async #standing(versionIds: readonly string[]): Promise<Standing> {
    const ids = [...new Set(versionIds)];
    const deployments: Standing['deployments'] = new Map();
    const waivers: Standing['waivers'] = new Map();
    const at = rfc3339(this.#now());
    if (ids.length === 0) return { deployments, waivers, at };
    const db = this.#store.db;
    const rows = await db.selectFrom('deployments').select(['id', 'version_id', 'zone', 'environment', 'state']).where('state', 'in', SLOT_HOLDING_STATES).where('version_id', 'in', ids).orderBy('ledger_index').execute();
    for (const r of rows) deployments.set(r.version_id, [...(deployments.get(r.version_id) ?? []), { id: r.id, zone: r.zone, environment: r.environment, state: r.state }]);
    for (const id of ids) waivers.set(id, await waivedRules(db, id));
    return { deployments, waivers, at };
  }
}

/**
 * The rules of one claim: the version is known and deployed in the zone — its state `deployed`, a
 * deployment active there — and its approval and every waiver its validation relied on still hold.
 * Of several versions matching one digest, the first that passes allows it.
 */
function claimRules({ claim, versions }: ResolvedClaim, zone: string, standing: Standing): RuleResult[] {
  const by = claim.container === null ? `annotation ${MODEL_VERSION_ANNOTATION}` : `container ${claim.container} (image ${claim.digest})`;
  if (versions.length === 0) return [deny('admission.model_known', `${by} names ${claim.versionId}, which is not a registered model version`)];
  const failures: string[] = [];
  for (const v of versions) {
    const all = standing.deployments.get(v.id) ?? [];
    const here = all.filter((a) => a.zone === zone);
    const active = here.find((a) => a.state === 'active');
    if (v.state !== 'deployed' || !active) {
      const suspended = here.filter((a) => a.state === 'suspended').map((a) => a.id);
      const elsewhere = all.filter((a) => a.state === 'active').map((a) => `${a.zone}/${a.environment}`);
      if (!active && suspended.length > 0) failures.push(`${label(v)} is ${v.state}, and its deployment ${suspended.join(', ')} in ${zone} is suspended`);
      else if (active) failures.push(`${label(v)} is ${v.state}`); // suspended or retired since
      else failures.push(`${label(v)} has no active deployment in ${zone}${elsewhere.length > 0 ? ` (it is deployed in ${elsewhere.join(', ')})` : ''}`);
      continue;
    }
    const current = [
      v.approvalExpiresAt !== null && v.approvalExpiresAt > standing.at
        ? allow('admission.approval_current', `${by} carries ${label(v)}, whose approval is valid until ${v.approvalExpiresAt}`)
        : deny('admission.approval_current', `${by} carries ${label(v)}, whose approval ${v.approvalExpiresAt === null ? 'is not in force' : `expired at ${v.approvalExpiresAt}`}`),
      ...waiverRules(label(v), standing.waivers.get(v.id) ?? [], standing.at).map((r) => (r.effect === 'deny' ? deny('admission.waiver_current', `${by}: ${r.reason}`) : allow('admission.waiver_current', r.reason))),
    ];
    // One version: its own rules say what is wrong. Several matching one digest: the first in force allows it.
    if (versions.length === 1 || current.every((r) => r.effect === 'allow')) return [allow('admission.model_deployed', `${by} carries ${label(v)}, deployed in ${zone}/${active.environment} (${active.id})`), ...current];
    failures.push(...current.filter((r) => r.effect === 'deny').map((r) => r.reason));
  }
  return [deny('admission.model_deployed', `${by} carries a model not deployed in ${zone}: ${failures.join('; ')}`)];
}

const label = (v: VersionFacts) => `${v.model}@${v.version} (${v.id})`;

function nameOf(req: AdmissionRequest): string | undefined {
  return req.name || objectName(req.object ?? req.oldObject);
}

function describe(req: AdmissionRequest): string {
  const name = nameOf(req) ?? '(unnamed)';
  return `${req.kind.kind} ${req.namespace ? `${req.namespace}/` : ''}${name}`;
}
