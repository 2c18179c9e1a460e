import type { ClientCertificateMap } from '../auth/client-certificates.js';
import type { Role } from '../auth/permissions.js';
import type { RouteGroup } from './route-groups.js';

/**
 * What one listener serves (docs/operations.md, "Listeners"): its route groups, the roles it
 * serves, and how it maps client certificates. A server without a listeners file has one
 * listener serving everything.
 */
export interface ListenerScope {
  readonly name: string;
  readonly groups: ReadonlySet<RouteGroup>;
  /** Roles this listener serves; a caller's other roles do not count here. Undefined: all. */
  readonly roles?: ReadonlySet<Role> | undefined;
  /** Client certificate → service principal, when the listener asks for client certificates. */
  readonly clientCertificates?: ClientCertificateMap | undefined;
}
