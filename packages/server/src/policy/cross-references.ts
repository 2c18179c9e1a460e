import type { Finding } from './schema-issues.js';
import type { Zone } from './pack.js';
import { REQUIREMENTS, REQUIREMENT_ORDER } from './requirements.js';
import { toPointer } from './pointer.js';

type Loose = Record<string, unknown>;

/**
 * What the schema cannot say: names that must refer to something declared, and rules that must
 * not contradict each other. It runs on the parsed value even when the schema found problems (a
 * reviewer sees everything in one pass), so it reads defensively and skips parts the schema
 * already rejected.
 */
export function crossReferenceFindings(value: unknown, schemaProblems: readonly Finding[]): Finding[] {
  const pack = record(value);
  if (!pack) return [];
  const broken = (pointer: string) => schemaProblems.some((p) => p.path === pointer || p.path.startsWith(`${pointer}/`));
  return [...dataClassFindings(pack, broken), ...zoneFindings(pack), ...riskTierFindings(pack)];
}

function dataClassFindings(pack: Loose, broken: (pointer: string) => boolean): Finding[] {
  const findings: Finding[] = [];
  const zones = record(pack['zones']) ?? {};
  const declared = Object.keys(zones);
  for (const [name, cls] of entries(pack['data_classes'])) {
    const requires = record(cls['requires']) ?? {};
    list(cls['allowed_zones']).forEach((zoneName, i) => {
      if (typeof zoneName !== 'string') return;
      const path = toPointer(['data_classes', name, 'allowed_zones', i]);
      if (!Object.hasOwn(zones, zoneName)) {
        findings.push({ path, at: 'value', message: `zone "${zoneName}" is not declared under zones (declared: ${declared.join(', ') || 'none'})` });
        return;
      }
      if (broken(toPointer(['zones', zoneName])) || broken(toPointer(['data_classes', name, 'requires']))) return;
      const zone = zones[zoneName] as Zone;
      const unmet = REQUIREMENT_ORDER.filter((key) => requires[key] === true && !REQUIREMENTS[key].met(zone));
      if (unmet.length > 0) {
        const lacks = unmet.map((key) => REQUIREMENTS[key].lacks).join(', ');
        const needs = unmet.map((key) => REQUIREMENTS[key].needs).join(', ');
        findings.push({ path, at: 'value', message: `${name} requires ${needs}, but zone ${zoneName} ${lacks}: every placement there would be refused` });
      }
    });
  }
  return findings;
}

function zoneFindings(pack: Loose): Finding[] {
  const findings: Finding[] = [];
  for (const [name, zone] of entries(pack['zones'])) {
    const admission = record(zone['admission']);
    if (admission && record(zone['workload_requirements'])?.['signed_images'] === false) {
      findings.push({
        path: toPointer(['zones', name, 'admission']),
        at: 'key',
        message: 'lists image rules although workload_requirements.signed_images is false, so admission does not apply them: set signed_images to true, or remove the rules',
      });
    }
    findings.push(...firstOnly(list(admission?.['image_allow_list']), 'repository', ['zones', name, 'admission', 'image_allow_list'], 'repository'));
    const egress = record(zone['egress']);
    if (egress?.['default'] === 'allow' && list(egress['allow']).length > 0) {
      findings.push({
        path: toPointer(['zones', name, 'egress', 'allow']),
        at: 'key',
        message: 'lists hosts although egress.default is allow, so the list has no effect: set default to deny, or remove the list',
      });
    }
  }
  return findings;
}

function riskTierFindings(pack: Loose): Finding[] {
  const findings: Finding[] = [];
  const useCases = new Map<string, string>();
  for (const [tier, body] of entries(pack['risk_tiers'])) {
    list(body['use_cases']).forEach((useCase, i) => {
      if (typeof useCase !== 'string') return;
      const owner = useCases.get(useCase);
      if (owner !== undefined && owner !== tier) {
        findings.push({ path: toPointer(['risk_tiers', tier, 'use_cases', i]), at: 'value', message: `use case "${useCase}" is already in risk tier ${owner}; a use case belongs to one tier` });
      } else {
        useCases.set(useCase, tier);
      }
    });
    findings.push(...firstOnly(list(body['required_evidence']), 'kind', ['risk_tiers', tier, 'required_evidence'], 'evidence of kind'));
    findings.push(...firstOnly(list(body['approvals']), 'role', ['risk_tiers', tier, 'approvals'], 'an approval by'));
    list(body['required_evidence']).forEach((evidence, i) => {
      for (const [metric, bounds] of entries(record(evidence)?.['metrics'])) {
        const { min, max } = bounds;
        if (typeof min === 'number' && typeof max === 'number' && min > max) {
          const path = toPointer(['risk_tiers', tier, 'required_evidence', i, 'metrics', metric]);
          findings.push({ path, at: 'key', message: `min (${min}) is above max (${max}): no value can pass` });
        }
      }
    });
  }
  return findings;
}

/** Items of a list that repeat an earlier item's `field`: one entry per kind or role. */
function firstOnly(items: unknown[], field: string, at: (string | number)[], what: string): Finding[] {
  const seen = new Map<unknown, number>();
  const findings: Finding[] = [];
  items.forEach((item, i) => {
    const key = record(item)?.[field];
    if (typeof key !== 'string') return;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else findings.push({ path: toPointer([...at, i, field]), at: 'value', message: `${what} ${key} is already listed at position ${first + 1}; list it once` });
  });
  return findings;
}

function record(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function entries(value: unknown): [string, Loose][] {
  return Object.entries(record(value) ?? {}).flatMap(([k, v]) => (record(v) ? [[k, record(v)!] as [string, Loose]] : []));
}
