import type { GroupVersionKind, KubeObject } from './admission-review.js';

/** Names the model versions a pod carries: comma-separated version ids. */
export const MODEL_VERSION_ANNOTATION = 'cairn.dev/model-version';
/** The zone a workload expects to run in. Checked against the namespace's zone, never trusted for it. */
export const ZONE_ANNOTATION = 'cairn.dev/zone';

/** Where the pod template sits in each workload kind Cairn understands (group/kind; `` is the core group). */
const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  '/Pod': [],
  '/ReplicationController': ['spec', 'template'],
  'apps/Deployment': ['spec', 'template'],
  'apps/StatefulSet': ['spec', 'template'],
  'apps/DaemonSet': ['spec', 'template'],
  'apps/ReplicaSet': ['spec', 'template'],
  'batch/Job': ['spec', 'template'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template'],
};

export const UNDERSTOOD_KINDS: readonly string[] = Object.keys(POD_TEMPLATE_PATHS).map((k) => (k.startsWith('/') ? k.slice(1) : k));

/** Something in a workload that may be a model: a version named by annotation, or a container image digest. */
export interface ModelClaim {
  /** Compares a claim across an object's old and new form: `version:<id>` or `digest:sha256:…`. */
  readonly key: string;
  /** The container whose image carries the digest; null for the pod annotation. */
  readonly container: string | null;
  readonly versionId?: string;
  readonly digest?: string;
}

/** One container of the pod (or pod template) and the image it runs. */
export interface ContainerImage {
  /** `containers`, `initContainers` or `ephemeralContainers`. */
  readonly list: string;
  readonly container: string;
  /** The image as written; `(none)` if it is missing or not text, which no rule admits. */
  readonly image: string;
}

export interface Workload {
  readonly claims: readonly ModelClaim[];
  /** Every container's image, for zones that admit only known images. */
  readonly images: readonly ContainerImage[];
  /** The `cairn.dev/zone` annotation(s) found on the object or its pod template. */
  readonly declaredZones: readonly string[];
  readonly name: string | undefined;
}

const IMAGE_DIGEST = /@(sha256:[0-9a-f]{64})$/;

/**
 * The model claims of a Pod, or of a workload's pod template; undefined for a kind Cairn does not
 * understand. The object comes from the API server but was written by whoever created it: every
 * field is checked for its type and anything unexpected is simply not a claim.
 */
export function workloadOf(kind: GroupVersionKind, object: KubeObject | null | undefined): Workload | undefined {
  const groupKind = `${kind.group}/${kind.kind}`;
  if (!Object.hasOwn(POD_TEMPLATE_PATHS, groupKind)) return undefined;
  const path = POD_TEMPLATE_PATHS[groupKind]!;
  const root = record(object);
  const template = path.reduce<Record<string, unknown> | undefined>((at, key) => record(at?.[key]), root);
  const annotations = [annotationsOf(root), ...(path.length > 0 ? [annotationsOf(template)] : [])];
  const claims: ModelClaim[] = [];
  const images: ContainerImage[] = [];
  const versions = new Set(annotations.flatMap((a) => (a[MODEL_VERSION_ANNOTATION] ?? '').split(',').map((v) => v.trim())).filter((v) => v.length > 0));
  for (const versionId of versions) claims.push({ key: `version:${versionId}`, container: null, versionId });
  const spec = record(template?.['spec']);
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    const containers = spec?.[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      const container = record(c);
      const image = container?.['image'];
      images.push({ list, container: text(container?.['name']) ?? '(unnamed)', image: text(image) ?? '(none)' });
      const digest = typeof image === 'string' ? IMAGE_DIGEST.exec(image)?.[1] : undefined;
      if (digest) claims.push({ key: `digest:${digest}`, container: text(container?.['name']) ?? '(unnamed)', digest });
    }
  }
  const declaredZones = [...new Set(annotations.map((a) => a[ZONE_ANNOTATION]).filter((z): z is string => z !== undefined))];
  return { claims, images, declaredZones, name: objectName(root) };
}

/** `metadata.name`, or `metadata.generateName` for an object whose name the API server has yet to pick. */
export function objectName(object: KubeObject | null | undefined): string | undefined {
  const metadata = record(record(object)?.['metadata']);
  return text(metadata?.['name']) ?? text(metadata?.['generateName']);
}

function annotationsOf(object: Record<string, unknown> | undefined): Record<string, string> {
  const annotations = record(record(object?.['metadata'])?.['annotations']) ?? {};
  return Object.fromEntries(Object.entries(annotations).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
