import zlib from 'node:zlib';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../auth/principal.js';
import { CairnError } from '../../errors/catalog.js';
import { DEFAULT_DEPTH, ingestOpenLineage, lineageGraph, MAX_DEPTH, type IngestOptions } from '../../lineage/openlineage/index.js';
import type { Services } from '../../services.js';
import { principalOf } from '../authenticate.js';
import { addRoute } from '../route.js';
import { ErrorBody, authErrors } from '../schemas.js';

const Edge = Type.Object({ origin: Type.String(), destination: Type.String() });
const GraphNode = Type.Object({
  id: Type.String({ description: '`dataset:<namespace>:<name>` or `job:<namespace>:<name>`' }),
  type: Type.Union([Type.Literal('DATASET'), Type.Literal('JOB')]),
  data: Type.Unknown({ description: 'the dataset or job, as Marquez returns it (docs/openlineage.md)' }),
  inEdges: Type.Array(Edge),
  outEdges: Type.Array(Edge),
});
const LineageQuery = Type.Object(
  {
    nodeId: Type.String({ minLength: 1, maxLength: 8192, description: '`dataset:<namespace>:<name>` or `job:<namespace>:<name>`' }),
    depth: Type.Integer({ minimum: 0, maximum: MAX_DEPTH, default: DEFAULT_DEPTH, description: 'job-to-job steps through shared datasets' }),
  },
  { additionalProperties: false },
);

/**
 * OpenLineage, as Marquez serves it: clients configured for Marquez (`OPENLINEAGE_URL`) send their
 * events here unchanged, and Marquez-style tools read the lineage graph back. See docs/openlineage.md.
 */
export function openLineageRoutes(app: FastifyInstance, services: Services, options: IngestOptions = {}): void {
  acceptCompressedEvents(app);

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/lineage',
    group: 'ingest',
    permission: 'lineage:write',
    summary:
      'Receive one OpenLineage 2 event (RunEvent, DatasetEvent or JobEvent) exactly as Marquez does: 201 with an empty body once stored and ledgered; the same event again is 201 and stored once',
    schema: {
      description:
        'The body is one OpenLineage event (https://openlineage.io/spec/2-0-2/OpenLineage.json), validated with its facets; a body that is not one is 422 `lineage_event_invalid` with every problem as a JSON Pointer.',
      response: { 201: Type.Null({ description: 'stored (or stored before): no body' }), ...authErrors, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 503: ErrorBody },
    },
    handler: async (request, reply) => {
      await ingestOpenLineage(services, actorOf(principalOf(request)), request.body, options);
      return reply.status(201).send();
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/lineage',
    group: 'read',
    permission: 'lineage:read',
    summary: "Marquez's lineage graph around a dataset or job: `{ graph: [{ id, type, data, inEdges, outEdges }] }`",
    schema: { querystring: LineageQuery, response: { 200: Type.Object({ graph: Type.Array(GraphNode) }), ...authErrors, 404: ErrorBody } },
    handler: async (request) => {
      const query = request.query as Static<typeof LineageQuery>;
      return lineageGraph(services.store.db, query.nodeId, query.depth);
    },
  });
}

const LINEAGE_URL = '/api/v1/lineage';

/**
 * OpenLineage clients may gzip their events (Python `HttpTransport` with `compression: gzip`), and
 * Marquez (Dropwizard) accepts `Content-Encoding: gzip` and `deflate`. Only for this route, and
 * after authentication (`onRequest`): the body is inflated as it is read, and the server's body
 * limit applies to the inflated bytes, so a small compressed bomb is refused with 413.
 */
function acceptCompressedEvents(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.method !== 'POST' || request.routeOptions.url !== LINEAGE_URL) return payload;
    const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity') return payload;
    if (encoding !== 'gzip' && encoding !== 'deflate') {
      throw new CairnError('unsupported_media_type', `Content-Encoding ${encoding} is not supported here: send gzip, deflate or none`);
    }
    const inflate = encoding === 'gzip' ? zlib.createGunzip() : zlib.createInflate();
    let encoded = 0;
    payload.on('data', (chunk: Buffer) => {
      encoded += chunk.length;
      // Fastify compares this, not the inflated length, with Content-Length.
      (inflate as unknown as { receivedEncodedLength: number }).receivedEncodedLength = encoded;
    });
    payload.on('error', (err) => inflate.destroy(err));
    inflate.on('error', (err) => {
      err.message = `the ${encoding} body cannot be decompressed: ${err.message}`;
    });
    return payload.pipe(inflate);
  });
}
