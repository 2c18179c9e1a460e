import { canonicalBytes, VerifyError } from '@cairn/verify';
import { CairnError } from '../errors/catalog.js';

/** Who wrote an entry: the authenticated principal and how it authenticated. */
export interface Actor {
  readonly id: string;
  readonly type: 'user' | 'service' | 'system';
  readonly auth: 'token' | 'oidc' | 'mtls' | 'system';
  /** The credential's id (never its secret): a token's id, or `sha256:<hex>` of a client certificate. */
  readonly tokenId?: string;
  /** The break-glass elevation in force when the actor acted, if any. */
  readonly elevation?: string;
  /** The person accountable, when it is not `id` itself (a service account acts for its owner). */
  readonly person?: string;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** What a writer supplies; the ledger adds the actor and the time. */
export interface EntryInput {
  readonly kind: string;
  readonly subject?: string | undefined;
  readonly body: JsonObject;
}

/** A ledger entry. Its leaf bytes are the RFC 8785 canonical JSON of exactly this object. */
export interface Entry {
  readonly kind: string;
  readonly actor: Actor;
  readonly time: string;
  readonly subject?: string;
  readonly body: JsonObject;
}

export function makeEntry(input: EntryInput, actor: Actor, time: string): Entry {
  return input.subject === undefined
    ? { kind: input.kind, actor, time, body: input.body }
    : { kind: input.kind, actor, time, subject: input.subject, body: input.body };
}

/** The leaf bytes: RFC 8785 canonical JSON. Input that JCS cannot represent is the writer's error. */
export function entryLeaf(entry: Entry): Uint8Array {
  try {
    return canonicalBytes(entry);
  } catch (err) {
    if (err instanceof VerifyError) {
      throw new CairnError('entry_invalid', `entry of kind ${entry.kind} cannot be canonicalised: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** Kinds an application may append through the generic API; the rest belong to Cairn's modules. */
export function isApplicationKind(kind: string): boolean {
  return kind.startsWith('custom.');
}

/** RFC 3339 UTC with milliseconds; lexicographic order equals time order for years 0000–9999. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
