import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isRole, ROLES, type Role } from '../auth/permissions.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { ALL_ROUTE_GROUPS, isRouteGroup, type RouteGroup } from '../http/route-groups.js';
import { CLIENT_AUTH_MODES, type TlsSettings } from './tls-settings.js';
import { isMapping, parseYamlFile, Problems } from './yaml-file.js';

/** One address Cairn listens on, and what it serves there. */
export interface ListenerConfig {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsSettings | undefined;
  readonly groups: readonly RouteGroup[];
  /** Roles served; undefined: every role. */
  readonly roles?: readonly Role[] | undefined;
}

const LISTENER_KEYS = ['name', 'listen', 'tls', 'groups', 'roles'];
const TLS_KEYS = ['cert', 'key', 'clientCa', 'clientAuth', 'clientPrincipals'];
const NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Parses a listeners file (YAML or JSON, docs/operations.md "Listeners") and checks it strictly:
 * unknown keys, unknown groups or roles, duplicate names or addresses are refused with
 * `file:line:column`. Relative file names are resolved against the file's directory.
 *
 * @example
 * parseListeners('listeners:\n  - name: ingest\n    listen: 10.1.0.1:8443\n    groups: [meta, proofs, ingest]\n', 'listeners.yaml')
 */
export function parseListeners(text: string, file: string): ListenerConfig[] {
  const yaml = parseYamlFile(text, file);
  const problems = new Problems(yaml, `listeners file ${file}`);
  const root = yaml.value;
  if (!isMapping(root) || !Array.isArray(root['listeners']) || root['listeners'].length === 0) {
    problems.add('', 'must be a mapping with a non-empty list "listeners"');
    problems.throwIfAny();
  }
  const rootMap = root as Record<string, unknown>;
  problems.keys('', rootMap, ['listeners']);
  const dir = path.dirname(path.resolve(file));
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  const listeners: ListenerConfig[] = [];
  (rootMap['listeners'] as unknown[]).forEach((entry, i) => {
    const at = `/listeners/${i}`;
    if (!isMapping(entry)) return problems.add(at, 'each listener must be a mapping');
    problems.keys(at, entry, LISTENER_KEYS);
    const name = entry['name'];
    if (typeof name !== 'string' || !NAME.test(name)) problems.add(`${at}/name`, 'a name is required: lowercase letters, digits and "-", up to 32');
    else if (names.has(name)) problems.add(`${at}/name`, `listener "${name}" is already defined by listeners[${names.get(name)}]`);
    else names.set(name, i);

    const address = typeof entry['listen'] === 'string' ? parseAddress(entry['listen']) : undefined;
    if (!address) problems.add(`${at}/listen`, '"listen" must be HOST:PORT with an IP address, e.g. 10.20.0.1:8443 or [fd00::1]:8443');
    else {
      const key = `${address.host}:${address.port}`;
      if (address.port !== 0 && addresses.has(key)) problems.add(`${at}/listen`, `${entry['listen']} is already the address of listeners[${addresses.get(key)}]`);
      else addresses.set(key, i);
    }

    const groups = stringList(entry['groups']);
    if (!groups || groups.length === 0) problems.add(`${at}/groups`, `"groups" must be a non-empty list of route groups: ${ALL_ROUTE_GROUPS.join(', ')}`);
    else for (const g of groups) if (!isRouteGroup(g)) problems.add(`${at}/groups`, `unknown route group "${g}"; known: ${ALL_ROUTE_GROUPS.join(', ')}`);

    const roles = entry['roles'] === undefined ? undefined : stringList(entry['roles']);
    if (entry['roles'] !== undefined && (!roles || roles.length === 0)) problems.add(`${at}/roles`, `"roles", when given, must be a non-empty list of roles: ${ROLES.join(', ')}`);
    else for (const r of roles ?? []) if (!isRole(r)) problems.add(`${at}/roles`, `unknown role "${r}"; known: ${ROLES.join(', ')}`);

    const tls = entry['tls'] === undefined ? undefined : parseTls(entry['tls'], `${at}/tls`, dir, problems);
    if (typeof name === 'string' && address && groups) listeners.push({ name, ...address, tls, groups: groups.filter(isRouteGroup), roles: roles?.filter(isRole) });
  });
  problems.throwIfAny();
  return listeners;
}

export function readListeners(file: string): ListenerConfig[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigurationError(`listeners file ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  return parseListeners(text, file);
}

function parseTls(value: unknown, at: string, dir: string, problems: Problems): TlsSettings | undefined {
  if (!isMapping(value)) {
    problems.add(at, '"tls" must be a mapping with cert and key (and optionally clientCa, clientAuth, clientPrincipals)');
    return undefined;
  }
  problems.keys(at, value, TLS_KEYS);
  const file = (key: string, required: boolean): string | undefined => {
    const v = value[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') {
      problems.add(`${at}/${key}`, `"${key}" must be a file name`);
      return undefined;
    }
    return path.resolve(dir, v);
  };
  const certFile = file('cert', true);
  const keyFile = file('key', true);
  const clientCaFile = file('clientCa', false);
  const clientPrincipalsFile = file('clientPrincipals', false);
  const clientAuth = value['clientAuth'];
  if (clientAuth !== undefined && !(CLIENT_AUTH_MODES as readonly unknown[]).includes(clientAuth)) problems.add(`${at}/clientAuth`, `"clientAuth" must be one of ${CLIENT_AUTH_MODES.join(', ')}`);
  if ((clientAuth !== undefined || clientPrincipalsFile !== undefined) && clientCaFile === undefined) problems.add(at, '"clientAuth" and "clientPrincipals" need "clientCa": client certificates are verified against it');
  if (!certFile || !keyFile) return undefined;
  return { certFile, keyFile, clientCaFile, clientAuth: clientAuth as TlsSettings['clientAuth'], clientPrincipalsFile };
}

function parseAddress(value: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+):([0-9]{1,5})$/.exec(value);
  if (!m) return undefined;
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  // An IP address, not a name: a listener is bound to one segment's interface, not to whatever a name resolves to.
  if (net.isIP(host) === 0 || port > 65535) return undefined;
  return { host, port };
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}
