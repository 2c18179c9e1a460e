import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ExportRecord } from '../../exports/exporter.js';
import type { Services } from '../../services.js';
import { actorOf } from '../../auth/principal.js';
import { principalOf } from '../authenticate.js';
import { addRoute } from '../route.js';
import { ErrorBody, Rfc3339, authErrors } from '../schemas.js';

const Scope = Type.Union(
  [
    Type.Object({ kind: Type.Literal('model'), model: Type.String({ minLength: 1, maxLength: 200 }), version: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('time'), from: Rfc3339, to: Rfc3339 }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('subject'), subject: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}:.{1,500}$', description: '`KIND:ID`, e.g. `dataset:sha256:…`, `run:run_…`, `principal:alice`' }) }, { additionalProperties: false }),
  ],
  { description: 'what the package covers: one model version and its lineage, a time range, or one subject' },
);
const ExportBody = Type.Object(
  {
    scope: Scope,
    reason: Type.String({ minLength: 3, maxLength: 2000, description: 'why the package is made: recorded in the ledger' }),
    checkpoint: Type.Optional(Type.Integer({ minimum: 1, description: 'prove into this existing signed checkpoint (same scope + same checkpoint = byte-identical package); default: a fresh checkpoint covering the request' })),
  },
  { additionalProperties: false },
);
const ExportRecordSchema = Type.Object({}, { additionalProperties: true, description: 'an export: id, scope, reason, requestedBy, requestedAt, requestIndex, checkpointSize, entries, state (building | completed | failed), sha256, size, completionIndex, error' });
const IdParams = Type.Object({ id: Type.String({ pattern: '^exp_[A-Za-z0-9_-]{1,64}$' }) }, { additionalProperties: false });
const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false });

export function exportRoutes(app: FastifyInstance, { exports }: Services): void {
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/exports',
    group: 'export',
    permission: 'export:create',
    summary: 'Build a compliance package (a signed, deterministic POSIX tar, streamed): the request is recorded before, the package digest after',
    schema: {
      body: ExportBody,
      produces: ['application/x-tar'],
      response: { 200: { type: 'string', format: 'binary', description: 'the package (application/x-tar); headers cairn-export-id, cairn-export-entries, cairn-checkpoint-size, cairn-export-estimated-size' }, ...authErrors, 404: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof ExportBody>;
      const started = await exports.start(actorOf(principalOf(request)), { scope: body.scope, reason: body.reason, checkpoint: body.checkpoint });
      const { record } = started;
      const stream = Readable.from(started.body, { objectMode: false });
      // A client that hangs up ends the generator: its `finally` records the export as failed.
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) stream.destroy();
      });
      return reply
        .header('content-type', 'application/x-tar')
        .header('content-disposition', `attachment; filename="cairn-export-${record.id}.tar"`)
        .header('cairn-export-id', record.id)
        .header('cairn-export-entries', String(record.entries))
        .header('cairn-checkpoint-size', String(record.checkpointSize))
        .header('cairn-export-estimated-size', String(started.estimatedSize))
        .send(stream);
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/exports',
    group: 'export',
    permission: 'export:read',
    summary: 'Past exports, newest first: who asked, for which scope, why, and the package digest',
    schema: { querystring: ListQuery, response: { 200: Type.Object({ exports: Type.Array(ExportRecordSchema) }), ...authErrors } },
    audit: { read: 'export_listings', objects: (_, result) => (result as { exports: ExportRecord[] }).exports.map((e) => `export:${e.id}`) },
    handler: async (request) => ({ exports: await exports.list((request.query as Static<typeof ListQuery>).limit) }),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/exports/:id',
    group: 'export',
    permission: 'export:read',
    summary: 'One export and its state; `sha256` once the package was delivered in full',
    schema: { params: IdParams, response: { 200: ExportRecordSchema, ...authErrors, 404: ErrorBody } },
    audit: { read: 'export_downloads', objects: (request) => [`export:${(request.params as Static<typeof IdParams>).id}`] },
    handler: async (request) => exports.get((request.params as Static<typeof IdParams>).id),
  });
}
