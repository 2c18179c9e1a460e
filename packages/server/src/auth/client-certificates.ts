import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { ConfigurationError } from '../errors/configuration-error.js';
import { isMapping, parseYamlFile, Problems } from '../listen/yaml-file.js';
import { normalisePrincipalId } from './person.js';

/** What a client certificate is matched on, strongest first. */
export const CERTIFICATE_SELECTORS = ['sha256', 'uri', 'dns', 'cn'] as const;
export type CertificateSelector = (typeof CERTIFICATE_SELECTORS)[number];

export interface CertificateMatch {
  readonly principal: string;
  readonly selector: CertificateSelector;
  readonly value: string;
}

/** A verified client certificate, as far as the mapping looks at it. */
export interface ClientCertificate {
  /** SHA-256 of the DER certificate, lowercase hex. */
  readonly sha256: string;
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  readonly commonName: string | undefined;
}

/**
 * Maps verified client certificates (they chain to the listener's client CA) to service
 * principals, by exactly one of: the certificate's SHA-256 fingerprint, a SAN URI (a SPIFFE ID),
 * a SAN DNS name, or the subject CN. Lookups go strongest first: fingerprint, URI, DNS, CN. A
 * certificate that matches nothing is no credential. Whether the principal may act is decided
 * by its record (auth/authenticator.ts), not here.
 */
export class ClientCertificateMap {
  readonly #by = new Map<string, string>();

  constructor(matches: readonly CertificateMatch[]) {
    for (const m of matches) this.#by.set(`${m.selector}:${m.value}`, m.principal);
  }

  principalFor(cert: ClientCertificate): string | undefined {
    const candidates = [`sha256:${cert.sha256}`, ...cert.uris.map((u) => `uri:${u}`), ...cert.dnsNames.map((d) => `dns:${d.toLowerCase()}`), ...(cert.commonName === undefined ? [] : [`cn:${cert.commonName}`])];
    for (const c of candidates) {
      const principal = this.#by.get(c);
      if (principal !== undefined) return principal;
    }
    return undefined;
  }
}

/** The parts of a DER certificate the mapping uses. */
export function describeCertificate(der: Buffer): ClientCertificate {
  const x = new X509Certificate(der);
  // subjectAltName is "DNS:a, URI:b"; since Node 17 values holding ", " or ":" are JSON-quoted.
  const names = (x.subjectAltName ?? '').split(/, (?=[A-Za-z ]+:)/).map((part) => {
    const i = part.indexOf(':');
    const raw = part.slice(i + 1);
    return { type: part.slice(0, i), value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw };
  });
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(x.subject)?.[1];
  return {
    sha256: x.fingerprint256.replaceAll(':', '').toLowerCase(),
    uris: names.filter((n) => n.type === 'URI').map((n) => n.value),
    dnsNames: names.filter((n) => n.type === 'DNS').map((n) => n.value),
    commonName: cn,
  };
}

const ENTRY_KEYS = ['principal', ...CERTIFICATE_SELECTORS];

/**
 * Parses a client principal mapping file:
 *
 * ```yaml
 * clients:
 *   - principal: svc-trainer
 *     uri: spiffe://factory.example/trainer
 *   - principal: svc-ci
 *     sha256: 5f:3a:…   # colons and case do not matter
 * ```
 *
 * @example
 * parseClientPrincipals('clients:\n  - principal: svc-a\n    dns: a.internal\n', 'clients.yaml')
 */
export function parseClientPrincipals(text: string, file: string): ClientCertificateMap {
  const yaml = parseYamlFile(text, file);
  const problems = new Problems(yaml, `client principal mapping ${file}`);
  const matches: CertificateMatch[] = [];
  const root = yaml.value;
  if (!isMapping(root) || !Array.isArray(root['clients'])) {
    problems.add('', 'must be a mapping with a list "clients" of { principal, and one of sha256, uri, dns, cn }');
    problems.throwIfAny();
    return new ClientCertificateMap([]);
  }
  problems.keys('', root, ['clients']);
  const seen = new Map<string, number>();
  root['clients'].forEach((entry: unknown, i: number) => {
    const at = `/clients/${i}`;
    if (!isMapping(entry)) return problems.add(at, 'each client must be a mapping');
    problems.keys(at, entry, ENTRY_KEYS);
    const principal = entry['principal'];
    if (typeof principal !== 'string' || principal.trim() === '') problems.add(at, '"principal" (a service principal id) is required');
    const selectors = CERTIFICATE_SELECTORS.filter((s) => entry[s] !== undefined);
    if (selectors.length !== 1) return problems.add(at, `exactly one of ${CERTIFICATE_SELECTORS.join(', ')} is required (found ${selectors.length})`);
    const selector = selectors[0]!;
    const raw = entry[selector];
    if (typeof raw !== 'string' || raw === '') return problems.add(`${at}/${selector}`, 'must be a non-empty string');
    let value = raw;
    if (selector === 'sha256') {
      value = raw.replaceAll(':', '').toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(value)) return problems.add(`${at}/${selector}`, 'must be a SHA-256 fingerprint: 64 hex digits, colons allowed');
    }
    if (selector === 'dns') value = raw.toLowerCase();
    const key = `${selector}:${value}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) return problems.add(`${at}/${selector}`, `the same ${selector} is already mapped by clients[${earlier}]: a certificate must map to one principal`);
    seen.set(key, i);
    if (typeof principal === 'string' && principal.trim() !== '') matches.push({ principal: normalisePrincipalId(principal), selector, value });
  });
  problems.throwIfAny();
  return new ClientCertificateMap(matches);
}

export function readClientPrincipals(file: string): ClientCertificateMap {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigurationError(`client principal mapping ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  return parseClientPrincipals(text, file);
}
