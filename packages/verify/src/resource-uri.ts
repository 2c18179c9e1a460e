// RFC 3986 §3 generic syntax as character classes: unreserved, sub-delims, pct-encoded, pchar (§2, §3.3).
const UNRESERVED = 'A-Za-z0-9\\-._~';
const SUB_DELIMS = "!$&'()*+,;=";
const PCT = '%[0-9A-Fa-f]{2}';
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT})`;
// authority = [ userinfo "@" ] host [ ":" port ]; host = IP-literal / IPv4address / reg-name (§3.2).
const AUTHORITY = `(?<userinfo>(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT})*@)?(?<host>\\[[0-9A-Fa-f:.vV]+\\]|(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT})*)(?::[0-9]*)?`;
// URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]; hier-part = "//" authority path-abempty / path-absolute / path-rootless / path-empty (§3).
const URI = new RegExp(
  `^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*):(?:\\/\\/${AUTHORITY}(?:\\/${PCHAR}*)*|\\/?(?:${PCHAR}+(?:\\/${PCHAR}*)*)?)(?:\\?(?:${PCHAR}|[/?])*)?(?:#(?:${PCHAR}|[/?])*)?$`,
);

/**
 * An in-toto ResourceURI or TypeURI (field_types.md): an RFC 3986 URI with a scheme, "case
 * normalized as per section 6.2.2.1 of RFC 3986, meaning that the scheme and authority MUST be in
 * lowercase". `git@host:repo.git` (git's scp-like form) and `registry/repo:tag` are not URIs.
 *
 * @example
 * isResourceUri('git+ssh://git@git.internal/ml/demo.git@1a2b…') // true
 * isResourceUri('git@git.internal:ml/demo.git')                 // false: "git@git.internal" is no scheme
 */
export function isResourceUri(value: string): boolean {
  const m = URI.exec(value);
  if (!m) return false;
  const { scheme, host } = m.groups as { scheme: string; host?: string };
  return scheme === scheme.toLowerCase() && (host === undefined || host === host.toLowerCase());
}
