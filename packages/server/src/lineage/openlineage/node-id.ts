import { CairnError } from '../../errors/catalog.js';
import { nameKey } from './keys.js';

/** A parsed Marquez node id: `dataset:<namespace>:<name>` or `job:<namespace>:<name>`. */
export interface NodeRef {
  readonly type: 'DATASET' | 'JOB';
  /**
   * Namespace and name can both hold `:` (`postgres://db:5432`), so an id splits several ways;
   * every split, best first, as row keys. The first one that exists is the node.
   */
  readonly keys: readonly string[];
}

const MAX_SPLITS = 64;

/**
 * Parses a node id. Marquez splits at the first `:` not followed by `//` or a digit (so URI
 * schemes and ports stay in the namespace); that split comes first here, then every other one,
 * left to right, so a name that itself holds such a colon is still found.
 *
 * @example
 * parseNodeId('dataset:postgres://db:5432:public.orders').keys[0]; // '["postgres://db:5432","public.orders"]'
 */
export function parseNodeId(nodeId: string): NodeRef {
  const match = /^(dataset|job):(.*)$/s.exec(nodeId);
  if (!match) throw malformed(nodeId, 'must start with `dataset:` or `job:`');
  const rest = match[2]!;
  const splits: number[] = [];
  for (let i = rest.indexOf(':'); i !== -1 && splits.length < MAX_SPLITS; i = rest.indexOf(':', i + 1)) {
    if (i > 0 && i < rest.length - 1) splits.push(i);
  }
  if (splits.length === 0) throw malformed(nodeId, 'must be `<type>:<namespace>:<name>` with a non-empty namespace and name');
  const preferred = splits.find((i) => !/^(\/\/|\d)/.test(rest.slice(i + 1)));
  const ordered = preferred === undefined ? splits : [preferred, ...splits.filter((i) => i !== preferred)];
  return {
    type: match[1] === 'dataset' ? 'DATASET' : 'JOB',
    keys: ordered.map((i) => nameKey(rest.slice(0, i), rest.slice(i + 1))),
  };
}

/** Marquez's id of a dataset or job node. */
export function nodeIdOf(type: 'DATASET' | 'JOB', namespace: string, name: string): string {
  return `${type === 'DATASET' ? 'dataset' : 'job'}:${namespace}:${name}`;
}

function malformed(nodeId: string, why: string): CairnError {
  return new CairnError('invalid_request', `nodeId ${JSON.stringify(nodeId.slice(0, 200))} ${why}`, { details: [{ path: 'querystring/nodeId', message: why }] });
}
