/**
 * Route groups: what a listener serves (docs/operations.md, "Listeners"). Every route belongs to
 * exactly one, declared where the route is defined (http/route.ts). A segmented deployment gives
 * the training segment's listener `ingest` (and what a writer needs to verify its receipts) and
 * the compliance segment's listener `read`, `review` and `export`.
 */
export const ROUTE_GROUPS = {
  meta: 'health, the OpenAPI document, metrics',
  proofs: "the log's key, checkpoints, inclusion and consistency proofs (what a client needs to verify its receipts)",
  identity: 'whoami, tokens, break-glass requests',
  principals: 'proposing, approving and listing principals',
  policy: 'the active policy, its versions, lint, evaluation, placement checks',
  ingest: 'appending entries; registering datasets, runs, models, versions and evidence; OpenLineage events; waiver requests',
  read: 'reading entries, datasets, manifests, runs, provenance, models, evidence, deployments, alerts, KPIs',
  review: 'approvals, rejections, reviews, waiver decisions, dataset certification, policy proposals and approvals',
  export: 'compliance packages and their record',
  deploy: 'deployments, rollbacks, the Kubernetes admission webhook',
} as const;
export type RouteGroup = keyof typeof ROUTE_GROUPS;

export const ALL_ROUTE_GROUPS = Object.keys(ROUTE_GROUPS) as RouteGroup[];

export function isRouteGroup(value: string): value is RouteGroup {
  return Object.hasOwn(ROUTE_GROUPS, value);
}
