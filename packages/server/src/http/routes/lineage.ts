import { Type, type Static } from '@sinclair/typebox';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { CairnError } from '../../errors/catalog.js';
import { actorOf } from '../../auth/principal.js';
import type { DatasetVersion } from '../../lineage/datasets.js';
import { trace } from '../../lineage/trace.js';
import { lineageKpis } from '../../lineage/kpis.js';
import { GIT_COMMIT_PATTERN } from '../../lineage/run-input.js';
import type { Services } from '../../services.js';
import { principalOf } from '../authenticate.js';
import { firstLine } from '../ndjson-lines.js';
import { OBJECT_LINE_LIMIT } from '../../lineage/manifest-accumulator.js';
import { addRoute } from '../route.js';
import { validatorCompiler } from '../validation.js';
import { DecisionSchema, ErrorBody, authErrors } from '../schemas.js';

const Digest = Type.String({ pattern: '^sha256:[0-9a-f]{64}$', description: '`sha256:` and 64 lowercase hex digits' });
const Text = (max = 256) => Type.String({ minLength: 1, maxLength: max });
const Reason = Type.String({ minLength: 3, maxLength: 2000 });
const Json = Type.Record(Type.String(), Type.Unknown());
/**
 * A manifest sent as one JSON body is parsed whole, so it is kept small enough not to stall the
 * server (the server's `--body-limit`, if larger); larger ones are streamed as NDJSON.
 */
const JSON_MANIFEST_LIMIT = 8 * 1024 * 1024;
export const NDJSON = 'application/x-ndjson';

const ManifestObject = Type.Object(
  // Sizes and digests are checked by the manifest check, which names the offending line.
  { path: Type.String({ maxLength: 4096 }), size: Type.Number(), sha256: Type.String({ maxLength: 128 }) },
  { additionalProperties: false },
);
const Exclusion = Type.Object(
  {
    records: Text(2000),
    reason: Reason,
    by: Type.Optional(Text()),
    manualOverride: Type.Optional(Type.Object({ by: Text(), reason: Reason }, { additionalProperties: false })),
  },
  { additionalProperties: false, description: 'which records or ranges were removed (by reference, never content), why, by whom' },
);
const metadataFields = {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$' }),
    owner: Type.Optional(Text()),
    sourceSystem: Type.Optional(Text()),
    dataClasses: Type.Array(Text(64), { maxItems: 32, uniqueItems: true }),
    legalBasis: Type.Optional(Text(500)),
    consentStatus: Type.Optional(Text(200)),
    retentionClass: Type.Optional(Text(100)),
    tags: Type.Optional(Type.Array(Text(100), { maxItems: 64, uniqueItems: true })),
    derivedFrom: Type.Optional(
      Type.Object(
        {
          inputs: Type.Array(Digest, { minItems: 1, maxItems: 1000, uniqueItems: true }),
          transform: Type.Object({ repository: Text(500), commit: Type.String({ pattern: '^[0-9a-f]{7,64}$' }), parameters: Type.Optional(Json) }, { additionalProperties: false }),
          exclusions: Type.Optional(Type.Array(Exclusion, { maxItems: 10_000 })),
        },
        { additionalProperties: false },
      ),
    ),
};
const RegisterBody = Type.Object({ ...metadataFields, objects: Type.Array(ManifestObject, { maxItems: 500_000 }) }, { additionalProperties: false });
const MetadataLine = Type.Object(metadataFields, { additionalProperties: false, description: 'the first line of a streamed registration: everything but the objects' });
const StreamedBody = Type.Any({
  description: `\`${NDJSON}\`: the first line is the registration without \`objects\`; every further line is one object \`{ "path", "size", "sha256" }\`, sorted by path (UTF-16 code units), each at most ${OBJECT_LINE_LIMIT} characters. Parsed and stored as it arrives, for manifests too large for one JSON body.`,
});
const DatasetSchema = Type.Object({}, { additionalProperties: true, description: 'a dataset version' });
const RunSchema = Type.Object({}, { additionalProperties: true, description: 'a training run' });
const DigestParams = Type.Object({ digest: Digest }, { additionalProperties: false });
const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const DeclassifyBody = Type.Object({ classes: Type.Array(Text(64), { minItems: 1, uniqueItems: true }), reason: Reason }, { additionalProperties: false });
const RunBody = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$' }),
    inputs: Type.Array(Digest, { maxItems: 1000, uniqueItems: true }),
    zone: Type.String({ minLength: 1, maxLength: 63, description: 'the zone the run trains in: declared in the active pack, and allowed for every data class of its inputs' }),
    code: Type.Optional(
      Type.Object(
        {
          repository: Type.String({ minLength: 1, maxLength: 500, description: 'an RFC 3986 URI (git+https://…, git+ssh://…) or git’s scp-like user@host:path, recorded as git+ssh://user@host/path' }),
          commit: Type.String({ pattern: GIT_COMMIT_PATTERN, description: 'the full commit id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits; a short ref is refused' }),
        },
        { additionalProperties: false },
      ),
    ),
    image: Type.Optional(Type.Object({ digest: Digest, name: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'registry/repository[:tag], recorded as oci://registry/repository@sha256:…' })) }, { additionalProperties: false })),
    environment: Type.Optional(
      Type.Object(
        { accelerator: Type.Optional(Text(200)), driverVersion: Type.Optional(Text(100)), cudaVersion: Type.Optional(Text(100)), lockfileSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })) },
        { additionalProperties: false },
      ),
    ),
    parameters: Type.Optional(Json),
    evaluator: Type.Optional(Text()),
  },
  { additionalProperties: false },
);
const CompleteBody = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('completed'), Type.Literal('failed')], { default: 'completed' })),
    outputs: Type.Array(Type.Object({ name: Text(500), digest: Digest }, { additionalProperties: false }), { maxItems: 1000 }),
    metrics: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Number())),
    evaluator: Type.Optional(Text()),
  },
  { additionalProperties: false },
);
const RunParams = Type.Object({ id: Type.String({ pattern: '^run_[A-Za-z0-9_-]{1,64}$' }) }, { additionalProperties: false });
const TraceParams = Type.Object({ kind: Type.Union([Type.Literal('dataset'), Type.Literal('run'), Type.Literal('artifact'), Type.Literal('model-version'), Type.Literal('deployment')]), id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const TraceQuery = Type.Object({ depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })) }, { additionalProperties: false });

/** The dataset versions whose exclusion lists a response carries. */
const withExclusions = (versions: readonly DatasetVersion[]) => versions.filter((v) => (v.derivedFrom?.exclusions?.length ?? 0) > 0).map((v) => `dataset:${v.digest}`);

const DATASETS_URL = '/api/v1/datasets';

/**
 * `application/x-ndjson` bodies are handed on as the raw stream, for the one route that reads them
 * line by line; anywhere else they are refused as an unsupported media type.
 */
function acceptStreamedManifests(app: FastifyInstance): void {
  app.addContentTypeParser(NDJSON, (request, payload, done) => {
    if (request.method === 'POST' && request.routeOptions.url === DATASETS_URL) return done(null, payload);
    done(new CairnError('unsupported_media_type', `${NDJSON} is accepted only by POST ${DATASETS_URL}; send application/json`), undefined);
  });
}

export function lineageRoutes(app: FastifyInstance, services: Services): void {
  const { datasets, runs, store, tokens } = services;

  const jsonLimit = Math.max(JSON_MANIFEST_LIMIT, app.initialConfig.bodyLimit ?? 0);
  acceptStreamedManifests(app);
  const checkMetadata = validatorCompiler()({ schema: MetadataLine, httpPart: 'body', method: 'POST', url: DATASETS_URL });
  addRoute(app, {
    method: 'POST',
    url: DATASETS_URL,
    group: 'ingest',
    permission: 'dataset:register',
    summary: `Register a dataset version by its manifest (in quarantine); derived versions name inputs, transform and exclusions. As one JSON body (up to ${jsonLimit} bytes), or streamed as ${NDJSON}`,
    bodyLimit: jsonLimit,
    schema: {
      body: { content: { 'application/json': { schema: RegisterBody }, [NDJSON]: { schema: StreamedBody } } },
      response: { 201: DatasetSchema, ...authErrors, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) => {
      const actor = actorOf(principalOf(request));
      if (!(request.body instanceof Readable)) return reply.status(201).send(await datasets.register(actor, request.body as Static<typeof RegisterBody>));
      const body = request.body[Symbol.asyncIterator]();
      const first = await firstLine(body, jsonLimit);
      if (!first) throw new CairnError('invalid_request', 'the body is empty: its first line is the registration without objects, e.g. {"name":"…","dataClasses":["…"]}');
      let metadata: unknown;
      try {
        metadata = JSON.parse(first.text);
      } catch (err) {
        throw new CairnError('invalid_json', `line 1 (the registration without objects) is not JSON: ${(err as Error).message}`);
      }
      if (!checkMetadata(metadata)) throw Object.assign(new Error('invalid metadata line'), { validation: checkMetadata.errors ?? [], validationContext: 'line 1' });
      return reply.status(201).send(await datasets.registerStreamed(actor, metadata as Static<typeof MetadataLine>, { head: first.rest, body }));
    },
  });

  const ListQuery = Type.Object(
    { name: Type.Optional(Text(200)), state: Type.Optional(Type.Union([Type.Literal('quarantine'), Type.Literal('certified'), Type.Literal('deprecated')])), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
    { additionalProperties: false },
  );
  addRoute(app, {
    method: 'GET',
    url: '/api/v1/datasets',
    group: 'read',
    permission: 'lineage:read',
    summary: 'Dataset versions, newest first',
    schema: { querystring: ListQuery, response: { 200: Type.Object({ datasets: Type.Array(DatasetSchema) }), ...authErrors } },
    audit: { read: 'exclusion_lists', objects: (_, result) => withExclusions((result as { datasets: DatasetVersion[] }).datasets) },
    handler: async (request) => ({ datasets: await datasets.list(request.query as Static<typeof ListQuery>) }),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/datasets/:digest',
    group: 'read',
    permission: 'lineage:read',
    summary: 'One dataset version: metadata, state, classes, derivation, declassifications',
    schema: { params: DigestParams, response: { 200: DatasetSchema, ...authErrors, 404: ErrorBody } },
    audit: { read: 'exclusion_lists', objects: (_, result) => withExclusions([result as DatasetVersion]) },
    handler: async (request) => datasets.get((request.params as Static<typeof DigestParams>).digest),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/datasets/:digest/manifest',
    group: 'read',
    permission: 'lineage:read',
    summary: 'The canonical manifest (RFC 8785) whose SHA-256 is the digest',
    schema: { params: DigestParams, response: { ...authErrors, 404: ErrorBody } },
    audit: { read: 'dataset_manifests', objects: (request) => [`dataset:${(request.params as Static<typeof DigestParams>).digest}`] },
    handler: async (request, reply) => {
      const manifest = await datasets.manifest((request.params as Static<typeof DigestParams>).digest);
      reply.type('application/json');
      return Readable.from(manifest);
    },
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/datasets/:digest/certify',
    group: 'review',
    permission: 'dataset:certify',
    summary: 'quarantine → certified, after the certification policy passes (every failed rule is listed)',
    schema: { params: DigestParams, body: ReasonBody, response: { 200: Type.Object({ dataset: DatasetSchema, decision: DecisionSchema }), ...authErrors, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody } },
    handler: async (request) => datasets.certify(principalOf(request), (request.params as Static<typeof DigestParams>).digest, (request.body as Static<typeof ReasonBody>).reason),
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/datasets/:digest/deprecate',
    group: 'review',
    permission: 'dataset:certify',
    summary: 'Deprecate a dataset version',
    schema: { params: DigestParams, body: ReasonBody, response: { 200: DatasetSchema, ...authErrors, 404: ErrorBody, 409: ErrorBody } },
    handler: async (request) => datasets.deprecate(actorOf(principalOf(request)), (request.params as Static<typeof DigestParams>).digest, (request.body as Static<typeof ReasonBody>).reason),
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/datasets/:digest/declassify',
    group: 'review',
    permission: 'dataset:certify',
    summary: 'Remove inherited data classes from a derived version in quarantine, with a reason (a two-person class: proposed, until another steward approves)',
    schema: { params: DigestParams, body: DeclassifyBody, response: { 200: DatasetSchema, ...authErrors, 404: ErrorBody, 409: ErrorBody } },
    handler: async (request) => {
      const body = request.body as Static<typeof DeclassifyBody>;
      return datasets.declassify(actorOf(principalOf(request)), (request.params as Static<typeof DigestParams>).digest, body.classes, body.reason);
    },
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/datasets/:digest/declassify/approve',
    group: 'review',
    permission: 'dataset:certify',
    summary: "Approve another steward's declassification of a two-person class (not the proposer, not the dataset's registrant)",
    schema: { params: DigestParams, body: ReasonBody, response: { 200: Type.Object({ dataset: DatasetSchema, decision: DecisionSchema }), ...authErrors, 404: ErrorBody, 409: ErrorBody } },
    handler: async (request) => datasets.approveDeclassification(principalOf(request), (request.params as Static<typeof DigestParams>).digest, (request.body as Static<typeof ReasonBody>).reason),
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/runs',
    group: 'ingest',
    permission: 'run:write',
    summary: 'Start a training run in a zone: inputs and placement (checked by policy), code, image, environment, parameters',
    schema: { body: RunBody, response: { 201: Type.Object({ run: RunSchema, decision: DecisionSchema }), ...authErrors, 422: ErrorBody } },
    handler: async (request, reply) => reply.status(201).send(await runs.start(principalOf(request), request.body as Static<typeof RunBody>)),
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/runs/:id/complete',
    group: 'ingest',
    permission: 'run:write',
    summary: 'Complete (or fail) a run with outputs and metrics; Cairn signs its lineage bundle',
    schema: { params: RunParams, body: CompleteBody, response: { 200: RunSchema, ...authErrors, 404: ErrorBody, 409: ErrorBody } },
    handler: async (request) => {
      const body = request.body as Static<typeof CompleteBody>;
      return runs.complete(actorOf(principalOf(request)), (request.params as Static<typeof RunParams>).id, { ...body, status: body.status ?? 'completed' });
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/runs',
    group: 'read',
    permission: 'lineage:read',
    summary: 'Training runs, newest first',
    schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }), response: { 200: Type.Object({ runs: Type.Array(RunSchema) }), ...authErrors } },
    handler: async (request) => ({ runs: await runs.list((request.query as { limit?: number }).limit) }),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/runs/:id',
    group: 'read',
    permission: 'lineage:read',
    summary: 'One training run, with its lineage completeness and missing fields',
    schema: { params: RunParams, response: { 200: RunSchema, ...authErrors, 404: ErrorBody } },
    handler: async (request) => runs.get((request.params as Static<typeof RunParams>).id),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/runs/:id/provenance',
    group: 'read',
    permission: 'lineage:read',
    summary: "The run's lineage bundle: in-toto Statement v1 with SLSA Provenance v1, in a DSSE envelope signed by the log key",
    schema: { params: RunParams, response: { 200: Type.Object({ payloadType: Type.String(), payload: Type.String(), signatures: Type.Array(Type.Object({ keyid: Type.Optional(Type.String()), sig: Type.String() })) }), ...authErrors, 404: ErrorBody, 409: ErrorBody } },
    audit: { read: 'run_provenance', objects: (request) => [`run:${(request.params as Static<typeof RunParams>).id}`] },
    handler: async (request) => runs.provenance((request.params as Static<typeof RunParams>).id),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/trace/:kind/:id',
    group: 'read',
    permission: 'lineage:read',
    summary: 'Upstream to the raw sources and downstream to every consumer; each node with its ledger index',
    schema: { params: TraceParams, querystring: TraceQuery, response: { ...authErrors, 404: ErrorBody } },
    handler: async (request) => {
      const { kind, id } = request.params as Static<typeof TraceParams>;
      const { depth } = request.query as Static<typeof TraceQuery>;
      return trace(store.db, `${kind}:${id}`, depth ?? 25);
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/kpis',
    group: 'read',
    permission: 'lineage:read',
    summary: 'Audit readiness: share of runs with a complete lineage bundle, of datasets certified before use; standing credentials (tokens that never expire)',
    schema: { response: { ...authErrors } },
    handler: async () => ({ lineage: await lineageKpis(store), identity: { tokensWithoutExpiry: await tokens.withoutExpiry() } }),
  });
}
