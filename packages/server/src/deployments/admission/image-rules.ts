import { allow, deny, type RuleResult, type Zone } from '../../policy/index.js';
import { parseImageReference } from './image-reference.js';
import type { ContainerImage } from './workload-models.js';

/**
 * The image rules of a zone whose policy requires signed images (`workload_requirements.
 * signed_images: true`). Admission cannot check a signature, but it can make sure that only images
 * someone vouched for run: every image pinned by digest (a tag can be moved to other bytes after the
 * check), and either an artifact of a model version — `modelDigests`, which the model rules then
 * decide (deployed in this zone, approval and waivers in force) — or on the zone's allow-list in the
 * pack (`admission.image_allow_list`: a repository and its digests; `admission.
 * trusted_repository_prefixes`: any digest from a registry path). Everything else is denied, so a
 * container that names no model cannot slip past the check by naming none.
 *
 * @example
 * imageRules('hipaa-ai', zone, [{ list: 'containers', container: 'app', image: 'python:3.12' }], new Set()) // [deny('admission.image_pinned', …)]
 */
export function imageRules(zoneName: string, zone: Zone, images: readonly ContainerImage[], modelDigests: ReadonlySet<string>): RuleResult[] {
  const rules: RuleResult[] = [];
  const allowList = zone.admission?.image_allow_list ?? [];
  const prefixes = zone.admission?.trusted_repository_prefixes ?? [];
  for (const { list, container, image } of images) {
    const what = `${list === 'containers' ? 'container' : list.replace(/Containers$/, ' container')} ${container} (image ${image})`;
    const ref = parseImageReference(image);
    if (ref.digest === undefined) {
      rules.push(deny('admission.image_pinned', `${what} is not pinned by digest: zone ${zoneName} requires signed images (zones.${zoneName}.workload_requirements.signed_images), so every image must be named as <repository>@sha256:<digest>`));
      continue;
    }
    rules.push(allow('admission.image_pinned', `${what} is pinned by digest`));
    if (modelDigests.has(ref.digest)) continue; // a model's artifact: admission.model_deployed decides it
    const listed = allowList.find((entry) => entry.repository === ref.repository && entry.digests.includes(ref.digest!));
    const prefix = prefixes.find((p) => ref.repository.startsWith(p));
    if (listed) rules.push(allow('admission.image_allowed', `${what} is on zone ${zoneName}'s image allow-list (${listed.repository})`));
    else if (prefix) rules.push(allow('admission.image_allowed', `${what} comes from ${prefix}, a trusted repository prefix of zone ${zoneName}`));
    else {
      rules.push(
        deny(
          'admission.image_allowed',
          `${what} is neither an artifact of a model version nor on zone ${zoneName}'s image allow-list (zones.${zoneName}.admission.image_allow_list, trusted_repository_prefixes): ${ref.repository}@${ref.digest} may not run in ${zoneName}`,
        ),
      );
    }
  }
  return rules;
}
