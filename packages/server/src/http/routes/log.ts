import { toBase64, toHex } from '@cairn/verify';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { CairnError } from '../../errors/catalog.js';
import type { Services } from '../../services.js';
import { addRoute } from '../route.js';
import { ErrorBody, Hex32, Index, authErrors } from '../schemas.js';

const NoteText = { 200: { type: 'string', description: 'C2SP signed note (text/plain)' } } as const;

const IndexParams = Type.Object({ index: Index }, { additionalProperties: false });
const SizeParams = Type.Object({ size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false });
const RangeQuery = Type.Object({ start: Index, limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }, { additionalProperties: false });
const InclusionQuery = Type.Object({ index: Index, treeSize: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })) }, { additionalProperties: false });
const ConsistencyQuery = Type.Object({ from: Index, to: Index }, { additionalProperties: false });

const KeyResponse = Type.Object({ origin: Type.String(), verifierKey: Type.String({ description: 'note verifier key: name+hexkeyid+base64(0x01‖pubkey)' }) });
const EntryResponse = Type.Object({
  index: Index,
  entry: Type.Object({}, { additionalProperties: true }),
  leaf: Type.String({ description: 'base64 of the exact leaf bytes (RFC 8785 JSON of entry)' }),
  leafHash: Hex32,
});
const EntriesResponse = Type.Object({ entries: Type.Array(EntryResponse) });
const InclusionResponse = Type.Object({
  index: Index,
  treeSize: Index,
  leafHash: Hex32,
  hashes: Type.Array(Hex32),
  checkpoint: Type.String({ description: 'the signed note of the checkpoint at treeSize' }),
});
const ConsistencyResponse = Type.Object({ from: Index, to: Index, hashes: Type.Array(Hex32) });

const notFound = { 404: ErrorBody, 422: ErrorBody };

export function logRoutes(app: FastifyInstance, { ledger }: Services): void {
  addRoute(app, {
    method: 'GET',
    url: '/api/v1/log/key',
    group: 'proofs',
    permission: 'log:read',
    summary: "The log's origin and note verifier key",
    schema: { response: { 200: KeyResponse, ...authErrors } },
    handler: async () => ({ origin: ledger.origin, verifierKey: ledger.signer.verifierKey }),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/log/checkpoint',
    group: 'proofs',
    permission: 'log:read',
    summary: 'The latest signed checkpoint (C2SP tlog-checkpoint in a signed note)',
    schema: { produces: ['text/plain'], response: { ...NoteText, ...authErrors, 404: ErrorBody } },
    handler: async (_request, reply) => {
      const checkpoint = (await ledger.checkpoints.latest()) ?? (await ledger.checkpoints.signIfGrown());
      if (!checkpoint) throw new CairnError('log_empty', 'the log has no entries yet, so no checkpoint is signed');
      return reply.type('text/plain; charset=utf-8').send(checkpoint.note);
    },
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/log/checkpoint',
    group: 'proofs',
    permission: 'log:checkpoint',
    summary: 'Sign a checkpoint now if the tree grew; returns the latest signed checkpoint',
    schema: { produces: ['text/plain'], response: { ...NoteText, ...authErrors, 404: ErrorBody } },
    handler: async (_request, reply) => {
      const checkpoint = await ledger.checkpoints.signIfGrown();
      if (!checkpoint) throw new CairnError('log_empty', 'the log has no entries yet, so no checkpoint is signed');
      return reply.type('text/plain; charset=utf-8').send(checkpoint.note);
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/log/checkpoints/:size',
    group: 'proofs',
    permission: 'log:read',
    summary: 'The signed checkpoint of a given tree size, if one was signed',
    schema: { params: SizeParams, produces: ['text/plain'], response: { ...NoteText, ...authErrors, ...notFound } },
    handler: async (request, reply) => {
      const { size } = request.params as Static<typeof SizeParams>;
      const checkpoint = await ledger.checkpointAt(size);
      return reply.type('text/plain; charset=utf-8').send(checkpoint.note);
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/log/entries',
    group: 'read',
    permission: 'log:read',
    summary: 'Consecutive entries with their exact leaf bytes, for audits that recompute the tree',
    schema: { querystring: RangeQuery, response: { 200: EntriesResponse, ...authErrors } },
    handler: async (request) => {
      const { start, limit } = request.query as Static<typeof RangeQuery>;
      const entries = await ledger.entries(start, limit);
      return { entries: entries.map((e) => ({ index: e.index, entry: e.entry, leaf: toBase64(e.leaf), leafHash: toHex(e.leafHash) })) };
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/log/entries/:index',
    group: 'read',
    permission: 'log:read',
    summary: 'One entry with its exact leaf bytes',
    schema: { params: IndexParams, response: { 200: EntryResponse, ...authErrors, ...notFound } },
    handler: async (request) => {
      const { index } = request.params as Static<typeof IndexParams>;
      const e = await ledger.entry(index);
      return { index: e.index, entry: e.entry, leaf: toBase64(e.leaf), leafHash: toHex(e.leafHash) };
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/log/proof/inclusion',
    group: 'proofs',
    permission: 'log:read',
    summary: 'RFC 9162 inclusion proof of an entry into a signed checkpoint',
    schema: { querystring: InclusionQuery, response: { 200: InclusionResponse, ...authErrors, ...notFound } },
    handler: async (request) => {
      const { index, treeSize } = request.query as Static<typeof InclusionQuery>;
      const p = await ledger.inclusionProof(index, treeSize);
      return { index: p.index, treeSize: p.treeSize, leafHash: toHex(p.leafHash), hashes: p.hashes.map(toHex), checkpoint: p.checkpoint.note };
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/log/proof/consistency',
    group: 'proofs',
    permission: 'log:read',
    summary: 'RFC 9162 consistency proof between two tree sizes (`to` must be signed)',
    schema: { querystring: ConsistencyQuery, response: { 200: ConsistencyResponse, ...authErrors, ...notFound } },
    handler: async (request) => {
      const { from, to } = request.query as Static<typeof ConsistencyQuery>;
      const p = await ledger.consistencyProof(from, to);
      return { from: p.from, to: p.to, hashes: p.hashes.map(toHex) };
    },
  });
}
