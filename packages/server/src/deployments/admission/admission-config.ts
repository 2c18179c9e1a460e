import { parseDocument } from 'yaml';
import type { LoadedPolicy } from '../../policy/index.js';

/**
 * How the admission webhook maps Kubernetes onto Cairn's zones, and what it does with objects it
 * does not understand. docs/deployments.md explains the convention.
 */
export interface AdmissionOptions {
  /**
   * Namespace → zone, kept on Cairn's side: whoever creates a pod cannot choose its zone.
   * The key `*` maps every namespace not listed (a cluster dedicated to one zone).
   */
  readonly namespaceZones?: Readonly<Record<string, string>> | undefined;
  /** Objects of a kind Cairn does not inspect: `deny` (fail closed, the default) or `allow`. */
  readonly unknownKinds?: 'deny' | 'allow' | undefined;
}

export const ADMISSION_DEFAULTS = { unknownKinds: 'deny' } as const;

/** Where a namespace's zone came from, for the decision's reasons. */
export interface ZoneOfNamespace {
  readonly zone: string | undefined;
  readonly because: string;
}

/**
 * The zone of a namespace: its entry in `namespaceZones`; else the `*` entry; else the namespace
 * itself if the active pack declares a zone of that name; else none.
 */
export function zoneOfNamespace(namespace: string | undefined, options: AdmissionOptions, policy: LoadedPolicy): ZoneOfNamespace {
  const map = options.namespaceZones ?? {};
  if (namespace !== undefined && Object.hasOwn(map, namespace)) return { zone: map[namespace], because: `namespace ${namespace} is mapped to zone ${map[namespace]}` };
  if (Object.hasOwn(map, '*')) return { zone: map['*'], because: `every namespace not mapped otherwise is in zone ${map['*']}` };
  if (namespace !== undefined && Object.hasOwn(policy.pack.zones, namespace)) return { zone: namespace, because: `namespace ${namespace} is named after zone ${namespace}` };
  return { zone: undefined, because: `namespace ${namespace ?? '(none)'} is not mapped to a zone and is not named after one` };
}

const KEYS = ['namespaceZones', 'unknownKinds'];
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/; // an RFC 1123 label, as Kubernetes namespaces are

/**
 * Parses an admission configuration file (YAML or JSON) and checks it strictly.
 * Throws `Error("<file>: <problem>; …")` naming every problem.
 *
 * @example
 * parseAdmissionConfig('namespaceZones:\n  clinical-prod: hipaa-ai\nunknownKinds: deny\n', 'admission.yaml')
 */
export function parseAdmissionConfig(text: string, file: string): AdmissionOptions {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${file}: not valid YAML or JSON: ${doc.errors.map((e) => e.message.trim()).join('; ')}`);
  return checkAdmissionOptions(doc.toJS({ maxAliasCount: 50 }) ?? {}, file);
}

export function checkAdmissionOptions(value: unknown, source: string): AdmissionOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${source}: the admission configuration must be a mapping`);
  const v = value as Record<string, unknown>;
  const problems = Object.keys(v).filter((k) => !KEYS.includes(k)).map((k) => `unknown key "${k}"; known keys: ${KEYS.join(', ')}`);
  const map = v['namespaceZones'];
  const namespaceZones: Record<string, string> = {};
  if (map !== undefined) {
    if (typeof map !== 'object' || map === null || Array.isArray(map)) problems.push('namespaceZones must map namespace names to zone names');
    else {
      for (const [ns, zone] of Object.entries(map)) {
        if (ns !== '*' && !NAME.test(ns)) problems.push(`namespaceZones: "${ns}" is not a namespace name (or "*")`);
        else if (typeof zone !== 'string' || zone.length === 0) problems.push(`namespaceZones.${ns} must be a zone name`);
        else namespaceZones[ns] = zone;
      }
    }
  }
  const unknownKinds = v['unknownKinds'];
  if (unknownKinds !== undefined && unknownKinds !== 'deny' && unknownKinds !== 'allow') problems.push('unknownKinds must be "deny" or "allow"');
  if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`);
  return Object.freeze({ namespaceZones: Object.freeze(namespaceZones), unknownKinds: (unknownKinds as 'deny' | 'allow' | undefined) ?? ADMISSION_DEFAULTS.unknownKinds });
}
