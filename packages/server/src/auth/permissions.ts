/**
 * Roles and the permissions they hold: the one authorisation matrix. A route declares exactly
 * one permission where it is defined (http/route.ts); `public` routes need no token at all.
 * A test walks every registered route against every role with this matrix.
 */
export const ROLES = [
  'admin',
  'steward',
  'engineer',
  'reviewer:business',
  'reviewer:security',
  'reviewer:compliance',
  'reviewer:model-risk',
  'operator',
  'auditor',
  'service',
] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'public',
  'self:read', // whoami, own elevations
  'log:read',
  'log:append',
  'log:checkpoint',
  'tokens:manage', // list and revoke anyone's tokens
  'tokens:issue', // issue tokens for oneself or one's own service accounts, within one's own permissions
  'principals:read',
  'principals:manage', // propose, approve (another person's proposal) and reject principals
  'policy:read',
  'policy:propose',
  'policy:approve',
  'placement:check',
  'break-glass:request',
  'alerts:read',
  'metrics:read',
  'lineage:read', // datasets, runs, provenance, trace, OpenLineage graph, KPIs
  'lineage:write', // OpenLineage events
  'dataset:register',
  'dataset:certify', // certify, deprecate, declassify: the steward's calls
  'run:write',
  'model:write', // register models and versions, add evidence, validate, submit for review, request waivers
  'model:review', // approve or reject a version, as a reviewer role
  'model:govern', // approve waivers, suspend and retire versions
  'deploy:read', // deployments and their history
  'deploy:write', // deploy, roll back, retire a deployment
  'admission:review', // the Kubernetes admission webhook
  'export:create', // build a compliance package (recorded with its scope and reason)
  'export:read', // the record of past exports
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const EVERYONE: readonly Permission[] = ['self:read', 'tokens:issue', 'log:read', 'policy:read', 'placement:check', 'break-glass:request', 'lineage:read', 'deploy:read'];
const REVIEWER: readonly Permission[] = [...EVERYONE, 'model:review'];

/** What each role may do. Separation of duties is enforced on top of this, per decision. */
export const GRANTS: Record<Role, readonly Permission[]> = {
  admin: [...EVERYONE, 'log:append', 'log:checkpoint', 'tokens:manage', 'principals:read', 'principals:manage', 'policy:propose', 'alerts:read', 'metrics:read', 'lineage:write', 'dataset:register', 'run:write', 'model:write', 'model:govern', 'deploy:write', 'admission:review', 'export:create', 'export:read'],
  steward: [...EVERYONE, 'log:append', 'policy:propose', 'lineage:write', 'dataset:register', 'dataset:certify'],
  engineer: [...EVERYONE, 'log:append', 'lineage:write', 'dataset:register', 'run:write', 'model:write'],
  'reviewer:business': REVIEWER,
  'reviewer:security': [...REVIEWER, 'alerts:read', 'principals:read'],
  'reviewer:compliance': [...REVIEWER, 'policy:approve', 'alerts:read', 'principals:read', 'model:govern', 'export:create', 'export:read'],
  'reviewer:model-risk': [...REVIEWER, 'model:govern'],
  operator: [...EVERYONE, 'log:append', 'log:checkpoint', 'metrics:read', 'deploy:write', 'admission:review'],
  auditor: [...EVERYONE, 'alerts:read', 'principals:read', 'metrics:read', 'export:create', 'export:read'],
  service: ['self:read', 'tokens:issue', 'log:read', 'log:append', 'placement:check', 'policy:read', 'lineage:read', 'lineage:write', 'dataset:register', 'run:write', 'model:write', 'deploy:read', 'admission:review'],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function rolesGrant(roles: readonly Role[], permission: Permission): boolean {
  if (permission === 'public') return true;
  return roles.some((role) => GRANTS[role].includes(permission));
}
