/** A container image reference as the container runtime resolves it. */
export interface ImageReference {
  /** The repository with its registry, normalised: `python` → `docker.io/library/python`. */
  readonly repository: string;
  readonly tag: string | undefined;
  /** `sha256:<64 hex>` when the reference is pinned by a SHA-256 digest; the runtime then ignores any tag. */
  readonly digest: string | undefined;
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;

/**
 * Splits an image reference into repository, tag and digest, and names the registry the runtime
 * would pull from, following the normalisation of github.com/distribution/reference
 * (`ParseNormalizedNamed`): the first path component is a registry only if it holds a `.` or a
 * `:` or is `localhost`; otherwise the image is on Docker Hub, whose one-component names live
 * under `library/`. A pod may say `python:3.12` and mean `docker.io/library/python:3.12`, and an
 * allow-list written with full names must still match it. A digest of another algorithm, or one
 * not in canonical lower-case hex, is not a pin.
 *
 * @example
 * parseImageReference('python:3.12') // { repository: 'docker.io/library/python', tag: '3.12', digest: undefined }
 */
export function parseImageReference(image: string): ImageReference {
  const at = image.indexOf('@');
  const name = at === -1 ? image : image.slice(0, at);
  const pinned = at === -1 ? undefined : image.slice(at + 1);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const tag = colon > slash ? name.slice(colon + 1) : undefined;
  const path = colon > slash ? name.slice(0, colon) : name;
  const first = path.indexOf('/');
  const head = first === -1 ? '' : path.slice(0, first);
  const hasRegistry = head.includes('.') || head.includes(':') || head === 'localhost';
  let registry = hasRegistry ? head : 'docker.io';
  let remainder = hasRegistry ? path.slice(first + 1) : path;
  if (registry === 'index.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  return { repository: `${registry}/${remainder}`, tag, digest: pinned !== undefined && SHA256.test(pinned) ? pinned : undefined };
}
