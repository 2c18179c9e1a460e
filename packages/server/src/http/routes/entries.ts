import { toHex } from '@cairn/verify';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../auth/principal.js';
import { CairnError } from '../../errors/catalog.js';
import { isApplicationKind, type JsonObject } from '../../ledger/entry.js';
import type { Services } from '../../services.js';
import { principalOf } from '../authenticate.js';
import { addRoute } from '../route.js';
import { ErrorBody, Hex32, Index, authErrors } from '../schemas.js';

export const MAX_ENTRIES_PER_REQUEST = 1000;

const EntryInput = Type.Object(
  {
    kind: Type.String({ pattern: '^[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)+$', maxLength: 128, description: 'dotted lower-case name; applications append `custom.*` kinds' }),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    body: Type.Object({}, { additionalProperties: true, description: 'any JSON object; hash commitments, never sensitive payloads' }),
  },
  { additionalProperties: false },
);

const AppendBody = Type.Object(
  { entries: Type.Array(EntryInput, { minItems: 1, maxItems: MAX_ENTRIES_PER_REQUEST }) },
  { additionalProperties: false },
);

const AppendResponse = Type.Object({
  entries: Type.Array(Type.Object({ index: Index, leafHash: Hex32 })),
  treeSize: Index,
});

export function entryRoutes(app: FastifyInstance, { ledger }: Services): void {
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/entries',
    group: 'ingest',
    permission: 'log:append',
    summary: 'Append entries (atomically: all or none); 201 once they are durable',
    schema: {
      body: AppendBody,
      response: { 201: AppendResponse, ...authErrors, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 503: ErrorBody },
    },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof AppendBody>;
      for (const [i, e] of body.entries.entries()) {
        if (!isApplicationKind(e.kind)) {
          throw new CairnError('kind_reserved', `entries/${i}/kind: only custom.* kinds may be appended here`);
        }
      }
      const result = await ledger.append({
        actor: actorOf(principalOf(request)),
        entries: body.entries.map((e) => ({ kind: e.kind, subject: e.subject, body: e.body as JsonObject })),
      });
      return reply.status(201).send({
        entries: result.entries.map((e) => ({ index: e.index, leafHash: toHex(e.leafHash) })),
        treeSize: result.treeSize,
      });
    },
  });
}
