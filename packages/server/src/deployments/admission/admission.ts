import { actorOf, type Principal } from '../../auth/principal.js';
import type { PolicyRegistry } from '../../governance/policy-registry.js';
import type { JsonObject } from '../../ledger/entry.js';
import type { Ledger } from '../../ledger/ledger.js';
import { allow, decision, deny, type Decision, type LoadedPolicy, type RuleResult } from '../../policy/index.js';
import type { Store } from '../../store/store.js';
import { versionFacts, type VersionFacts } from '../records.js';
import { ADMISSION_DEFAULTS, zoneOfNamespace, type AdmissionOptions } from './admission-config.js';
import { admissionResponse, type AdmissionRequest, type AdmissionReview, type AdmissionReviewResponse } from './admission-review.js';
import { MODEL_VERSION_ANNOTATION, ZONE_ANNOTATION, objectName, workloadOf, type ModelClaim } from './workload-models.js';

/** More claims than any real pod makes: a larger object is refused rather than examined. */
const MAX_CLAIMS = 256;

/** A claim with the registered versions it names (by id) or matches (by artifact digest). */
interface ResolvedClaim {
  readonly claim: ModelClaim;
  readonly versions: readonly VersionFacts[];
}

/**
 * The validating admission webhook: may this Kubernetes object run here? Allowed iff every model
 * it carries — a version named by the `cairn.dev/model-version` annotation, or a container image
 * whose digest is an artifact of a registered version — is a `deployed` version with an active
 * deployment in the namespace's zone. Objects carrying no model pass; kinds Cairn does not
 * understand pass or fail as configured (fail closed by default). Every decision is written to
 * the ledger as `admission.decided`, except on dry runs, which change nothing.
 */
export class Admission {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #policies: PolicyRegistry;
  readonly #options: AdmissionOptions;

  constructor(store: Store, ledger: Ledger, policies: PolicyRegistry, options: AdmissionOptions = {}) {
    this.#store = store;
    this.#ledger = ledger;
    this.#policies = policies;
    this.#options = options;
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
      const { entries } = await this.#ledger.append({
        actor: actorOf(principal),
        entries: [
          {
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
          },
        ],
      });
      recorded = `Cairn ledger entry ${entries[0]!.index}`;
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
    if (workload.claims.length > MAX_CLAIMS) return done([deny('admission.claims', `${what} makes ${workload.claims.length} model claims; at most ${MAX_CLAIMS} are examined`)]);
    let claims = workload.claims;
    if (req.operation === 'UPDATE') {
      // Only what the update adds is checked: a workload whose model was rolled back must still
      // be scaled down, relabelled and finalised, or it could never be removed.
      const before = new Set(workloadOf(req.kind, req.oldObject)?.claims.map((c) => c.key) ?? []);
      claims = claims.filter((c) => !before.has(c.key));
    }
    const resolved = (await this.#resolve(claims)).filter((r) => r.versions.length > 0 || r.claim.versionId !== undefined);
    if (resolved.length === 0) {
      const none = req.operation === 'UPDATE' && workload.claims.length > 0 ? 'this update adds no model to' : 'no registered model is carried by';
      return done([allow('admission.no_model', `${none} ${what} (no ${MODEL_VERSION_ANNOTATION} annotation, no image digest of a registered version)`)]);
    }

    const models = resolved.map(({ claim, versions }) => ({ container: claim.container, ...(claim.versionId ? { versionId: claim.versionId } : {}), ...(claim.digest ? { digest: claim.digest } : {}), versions: versions.map((v) => v.id) }));
    const { zone, because } = zoneOfNamespace(req.namespace, this.#options, policy);
    if (zone === undefined) return done([deny('admission.zone', `${what} carries a model, but ${because}`)], undefined, models);
    if (!Object.hasOwn(policy.pack.zones, zone)) return done([deny('admission.zone', `${because}, which the active policy pack does not declare`)], zone, models);
    const rules: RuleResult[] = [allow('admission.zone', because)];
    for (const declared of workload.declaredZones) {
      rules.push(declared === zone ? allow('admission.zone_annotation', `${what} declares ${ZONE_ANNOTATION}: ${declared}, its namespace's zone`) : deny('admission.zone_annotation', `${what} declares ${ZONE_ANNOTATION}: ${declared}, but its namespace is in ${zone}`));
    }
    const active = await this.#activeDeployments(resolved.flatMap((r) => r.versions.map((v) => v.id)));
    for (const r of resolved) rules.push(claimRule(r, zone, active));
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

  /** Active deployments of these versions, in any zone (to say where a refused one does run). */
  async #activeDeployments(versionIds: readonly string[]): Promise<Map<string, { id: string; zone: string; environment: string }[]>> {
    const out = new Map<string, { id: string; zone: string; environment: string }[]>();
    if (versionIds.length === 0) return out;
    const rows = await this.#store.db.selectFrom('deployments').select(['id', 'version_id', 'zone', 'environment']).where('state', '=', 'active').where('version_id', 'in', [...new Set(versionIds)]).execute();
    for (const r of rows) out.set(r.version_id, [...(out.get(r.version_id) ?? []), { id: r.id, zone: r.zone, environment: r.environment }]);
    return out;
  }
}

function claimRule({ claim, versions }: ResolvedClaim, zone: string, active: Map<string, { id: string; zone: string; environment: string }[]>): RuleResult {
  const by = claim.container === null ? `annotation ${MODEL_VERSION_ANNOTATION}` : `container ${claim.container} (image ${claim.digest})`;
  if (versions.length === 0) return deny('admission.model_known', `${by} names ${claim.versionId}, which is not a registered model version`);
  for (const v of versions) {
    const here = (active.get(v.id) ?? []).find((a) => a.zone === zone);
    if (v.state === 'deployed' && here) return allow('admission.model_deployed', `${by} carries ${label(v)}, deployed in ${zone}/${here.environment} (${here.id})`);
  }
  const why = versions.map((v) => {
    const deployments = active.get(v.id) ?? [];
    if (deployments.some((a) => a.zone === zone)) return `${label(v)} is ${v.state}`; // suspended or retired since
    const elsewhere = deployments.map((a) => `${a.zone}/${a.environment}`);
    return `${label(v)} has no active deployment in ${zone}${elsewhere.length > 0 ? ` (it is deployed in ${elsewhere.join(', ')})` : ''}`;
  });
  return deny('admission.model_deployed', `${by} carries a model not deployed in ${zone}: ${why.join('; ')}`);
}

const label = (v: VersionFacts) => `${v.model}@${v.version} (${v.id})`;

function nameOf(req: AdmissionRequest): string | undefined {
  return req.name || objectName(req.object ?? req.oldObject);
}

function describe(req: AdmissionRequest): string {
  const name = nameOf(req) ?? '(unnamed)';
  return `${req.kind.kind} ${req.namespace ? `${req.namespace}/` : ''}${name}`;
}
