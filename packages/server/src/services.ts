import type { AccessLog } from './access/access-log.js';
import type { Alerts } from './alerts/alerts.js';
import type { Authenticator } from './auth/authenticator.js';
import type { Principals } from './auth/principals.js';
import type { TokenService } from './auth/tokens.js';
import type { Deployments } from './deployments/deployments.js';
import type { Exports } from './exports/exporter.js';
import type { BreakGlass } from './governance/break-glass.js';
import type { PolicyRegistry } from './governance/policy-registry.js';
import type { Ledger } from './ledger/ledger.js';
import type { Datasets } from './lineage/datasets.js';
import type { Runs } from './lineage/runs.js';
import type { Registry } from './registry/registry.js';
import type { Store } from './store/store.js';

/** The domain modules a running Cairn is made of; routes receive this and nothing else. */
export interface Services {
  readonly store: Store;
  readonly ledger: Ledger;
  readonly principals: Principals;
  readonly tokens: TokenService;
  readonly policies: PolicyRegistry;
  readonly breakGlass: BreakGlass;
  readonly alerts: Alerts;
  readonly authenticator: Authenticator;
  readonly datasets: Datasets;
  readonly runs: Runs;
  readonly registry: Registry;
  readonly deployments: Deployments;
  readonly exports: Exports;
  readonly accessLog: AccessLog;
}
