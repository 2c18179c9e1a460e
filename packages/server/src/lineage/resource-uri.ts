import { isResourceUri } from '@cairn/verify';

/** Why a value given for a resource could not be made a URI; the route reports it as a 400 at `path`. */
export class ResourceUriError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = 'ResourceUriError';
    this.path = path;
  }
}

const GIT_SCHEMES: Record<string, string> = { 'git+https': 'git+https', 'git+ssh': 'git+ssh', 'git+http': 'git+http', 'git+file': 'git+file', git: 'git', https: 'git+https', ssh: 'git+ssh', http: 'git+http', file: 'git+file' };
// git's scp-like syntax, `[user@]host:path` (git-clone(1) "GIT URLS"): no slash before the first colon, no `://`.
const SCP_LIKE = /^(?:(?<user>[A-Za-z0-9._~-]+)@)?(?<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(?!\/\/)(?<path>[^\s]+)$/;

/**
 * A code repository as an SPDX-style VCS URI (`git+https://…`, `git+ssh://…`): scheme and host in
 * lower case. git's scp-like form `git@host:ml/repo.git` becomes `git+ssh://git@host/ml/repo.git`,
 * the URL git itself treats it as (a path starting with `~` stays relative to that home directory).
 * Anything else that is not an RFC 3986 URI with a git transport scheme is refused.
 */
export function repositoryUri(repository: string, path = 'body/code/repository'): string {
  const scp = repository.includes('://') ? null : SCP_LIKE.exec(repository);
  if (scp) {
    const { user, host, path: repoPath } = scp.groups!;
    const candidate = `git+ssh://${user ? `${user}@` : ''}${host!.toLowerCase()}/${repoPath!.replace(/^\/+/, '')}`;
    if (isResourceUri(candidate)) return candidate;
  }
  const m = /^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*):\/\/(?<rest>.*)$/.exec(repository);
  const scheme = m ? GIT_SCHEMES[m.groups!['scheme']!.toLowerCase()] : undefined;
  if (!m || !scheme) throw new ResourceUriError(path, `${JSON.stringify(repository)} is not a git repository URI: use git+https://host/path, git+ssh://host/path or git's user@host:path`);
  const rest = m.groups!['rest']!;
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  const uri = `${scheme}://${authority.slice(0, at + 1)}${authority.slice(at + 1).toLowerCase()}${slash === -1 ? '' : rest.slice(slash)}`;
  if (!isResourceUri(uri)) throw new ResourceUriError(path, `${JSON.stringify(repository)} is not a valid RFC 3986 URI (spaces and other characters must be percent-encoded)`);
  return uri;
}

const DOMAIN = '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?)';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
// The OCI distribution / docker reference grammar: [domain/]path[:tag][@sha256:hex].
const IMAGE_REFERENCE = new RegExp(`^(?:(?<domain>${DOMAIN})\\/)?(?<path>${COMPONENT}(?:\\/${COMPONENT})*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@sha256:(?<pinned>[0-9a-f]{64}))?$`);

/**
 * A container image reference and its digest as one immutable URI, `oci://registry/repo@sha256:…`.
 * A first component without a dot, a colon or `localhost` is a Docker Hub path, as the docker
 * client reads it (`pytorch/pytorch` is `docker.io/pytorch/pytorch`). A tag is dropped from the
 * URI (the digest is what ran; the name as given stays in the run); a reference pinned to another
 * digest is refused.
 */
export function imageUri(name: string, digestHex: string, path = 'body/image/name'): string {
  const m = IMAGE_REFERENCE.exec(name.replace(/^oci:\/\//, ''));
  if (!m) throw new ResourceUriError(path, `${JSON.stringify(name)} is not a container image reference (registry/repository[:tag][@sha256:…])`);
  let { domain, path: repo } = m.groups as { domain?: string; path: string };
  const { pinned } = m.groups!;
  if (domain && !/[.:]/.test(domain) && domain !== 'localhost') {
    repo = `${domain.toLowerCase()}/${repo}`;
    domain = undefined;
  }
  if (!domain) {
    domain = 'docker.io';
    if (!repo.includes('/')) repo = `library/${repo}`;
  }
  if (pinned && pinned !== digestHex) throw new ResourceUriError(path, `${name} is pinned to sha256:${pinned} but image.digest is sha256:${digestHex}`);
  return `oci://${domain.toLowerCase()}/${repo}@sha256:${digestHex}`;
}
