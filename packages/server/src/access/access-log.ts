import type { Principal } from '../auth/principal.js';
import { actorOf } from '../auth/principal.js';
import { CairnError } from '../errors/catalog.js';
import type { PolicyRegistry } from '../governance/policy-registry.js';
import type { Ledger } from '../ledger/ledger.js';
import { READ_KINDS, type ReadKind } from '../policy/pack.js';

/** The ledger entry kind of every recorded read. */
export const ACCESS_READ = 'access.read';

/** What was read, by reference only: `evidence:sha256:…`, `dataset:sha256:…`, `run:run_…`, `export:exp_…`. */
export interface ReadRecord {
  readonly read: ReadKind;
  readonly objects: readonly string[];
  /** The route that served it, `GET /api/v1/evidence/:digest`. */
  readonly route: string;
}

/**
 * The audit trail of data access. A read of sensitive material that the active policy pack lists
 * under `audit.record_reads` (all of them without that section) becomes one `access.read` entry,
 * subject `principal:<reader>`, and the response waits for it: reads arriving together share one
 * group commit, and a read whose record cannot be written is refused, never served unrecorded.
 * Entries carry ids and digests, never the material itself.
 */
export class AccessLog {
  readonly #ledger: Ledger;
  readonly #policies: PolicyRegistry;

  constructor(ledger: Ledger, policies: PolicyRegistry) {
    this.#ledger = ledger;
    this.#policies = policies;
  }

  /** Whether the active pack records this kind of read. */
  async records(read: ReadKind): Promise<boolean> {
    const active = await this.#policies.activeOrUndefined();
    return (active?.policy.pack.audit?.record_reads ?? READ_KINDS).includes(read);
  }

  /** Records the read if the pack says so; resolves once the entry is durable, or not needed. */
  async record(principal: Principal, record: ReadRecord): Promise<{ index: number } | undefined> {
    if (record.objects.length === 0) return undefined;
    try {
      if (!(await this.records(record.read))) return undefined;
      const { entries } = await this.#ledger.append({
        actor: actorOf(principal),
        entries: [{ kind: ACCESS_READ, subject: `principal:${principal.id}`, body: { read: record.read, objects: [...record.objects], route: record.route } }],
      });
      return { index: entries[0]!.index };
    } catch (err) {
      throw new CairnError('access_not_recorded', `the ${record.read.replaceAll('_', ' ')} read was not served: its access record could not be written`, { cause: err });
    }
  }
}
