import { CairnError } from '../errors/catalog.js';
import { ResourceUriError, imageUri, repositoryUri } from './resource-uri.js';
import type { RunInput } from './runs.js';

/** A full git object id: SHA-1 (40) or SHA-256 (64) lowercase hex, as in-toto's `gitCommit` digest requires. */
export const GIT_COMMIT_PATTERN = '^([0-9a-f]{40}|[0-9a-f]{64})$';
const GIT_COMMIT = new RegExp(GIT_COMMIT_PATTERN);

/**
 * What a run start declares, made fit for a signed bundle before anything is written: the
 * repository as a URI (scp-like `git@host:path` converted), the commit a full object id (a short
 * ref is refused, never expanded: Cairn cannot know what it resolved to), the image name made an
 * `oci://…@sha256:` URI. Refusals are 400 `invalid_request`, with the path of the field.
 */
export function normaliseRunInput(input: RunInput): RunInput {
  try {
    const code = input.code && { repository: repositoryUri(input.code.repository), commit: input.code.commit };
    if (code && !GIT_COMMIT.test(code.commit)) {
      throw new ResourceUriError('body/code/commit', `commit ${JSON.stringify(code.commit)} is not a full git commit id (40 or 64 lowercase hex digits); a short or symbolic ref cannot be a digest`);
    }
    const image = input.image && { digest: input.image.digest, ...(input.image.name ? { name: input.image.name, uri: imageUri(input.image.name, input.image.digest.replace(/^sha256:/, '')) } : {}) };
    return { ...input, ...(code ? { code } : {}), ...(image ? { image } : {}) };
  } catch (err) {
    if (!(err instanceof ResourceUriError)) throw err;
    throw new CairnError('invalid_request', err.message, { details: [{ path: err.path, message: err.message }] });
  }
}
