import { parseVerifierKey } from '@cairn/verify';
import { CliError, EXIT } from './exit-codes.js';

/** The global `--key` (the log's verifier key known out of band), checked once: a malformed key is a usage error, never "no key". */
export function pinnedKey(g: { readonly key?: string | undefined }): string | undefined {
  if (g.key === undefined) return undefined;
  try {
    parseVerifierKey(g.key);
  } catch (err) {
    throw new CliError(EXIT.usage, `--key: ${(err as Error).message}`, 'invalid_key');
  }
  return g.key;
}
