/**
 * Permissions, and the roles that hold them. A route declares exactly one permission (see
 * http/route.ts); `public` routes need no token at all.
 */
export const PERMISSIONS = ['public', 'log:read', 'log:append', 'log:checkpoint'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['admin', 'service', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ['log:read', 'log:append', 'log:checkpoint'],
  service: ['log:read', 'log:append'],
  auditor: ['log:read'],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function rolesGrant(roles: readonly Role[], permission: Permission): boolean {
  if (permission === 'public') return true;
  return roles.some((role) => GRANTS[role].includes(permission));
}
