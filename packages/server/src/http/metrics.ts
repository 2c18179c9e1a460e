import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';
import type { FailureLimiter } from '../auth/failure-limiter.js';
import type { WriteLimiter } from '../limits/write-limiter.js';
import { storeFailure } from '../store/unavailable.js';

/**
 * Prometheus metrics (text exposition at GET /metrics). One registry per app, so several
 * servers in one process (tests) do not mix their figures.
 */
export function installMetrics(app: FastifyInstance, services: Services, limits: { authFailures: FailureLimiter; writeLimits: WriteLimiter }): Registry {
  const registry = new Registry();
  const requests = new Counter({ name: 'cairn_http_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'cairn_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const storeUnavailable = new Counter({
    name: 'cairn_store_unavailable_total',
    help: 'Requests refused because the store could not be reached or written (503 unavailable, 507 store_full)',
    labelNames: ['code'],
    registers: [registry],
  });
  for (const code of ['unavailable', 'store_full']) storeUnavailable.inc({ code }, 0);
  app.addHook('onError', async (_request, _reply, error) => {
    const failure = storeFailure(error);
    if (failure) storeUnavailable.inc({ code: failure.code });
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const { ledger, alerts, store } = services;
  const counterFrom = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counterFrom('cairn_auth_failures_total', 'Failed authentications (this process)', () => limits.authFailures.total);
  counterFrom('cairn_writes_rate_limited_total', 'Writes refused with 429 rate_limited (this process)', () => limits.writeLimits.refused);
  counterFrom('cairn_refusals_suppressed_total', 'Refusals counted in a refusals.suppressed entry instead of written one by one (this process)', () => ledger.refusals.suppressed);
  counterFrom('cairn_ledger_commits_total', 'Ledger transactions committed (this process)', () => ledger.stats.commits);
  counterFrom('cairn_ledger_entries_appended_total', 'Ledger entries appended (this process)', () => ledger.stats.entries);
  counterFrom('cairn_ledger_commit_failures_total', 'Ledger transactions that failed (this process)', () => ledger.stats.failedCommits);
  counterFrom('cairn_alerts_raised_total', 'Alerts raised (this process)', () => alerts.raised);
  new Gauge({
    name: 'cairn_store_up',
    help: 'Whether the store answered a trivial query at this scrape (1) or not (0)',
    registers: [registry],
    async collect() {
      this.set((await store.ping()) ? 1 : 0);
    },
  });
  counterFrom('cairn_store_connections_lost_total', 'PostgreSQL connections the database dropped (this process); the pool connects anew', () => store.connectionErrors);
  new Gauge({
    name: 'cairn_checkpointer_paused',
    help: 'Whether periodic checkpoint signing waits for an unreachable store (1) or runs (0)',
    registers: [registry],
    collect() {
      this.set(ledger.checkpoints.paused ? 1 : 0);
    },
  });
  // Figures read from the store keep their last value while it cannot be reached, so that
  // /metrics still answers (with cairn_store_up 0) during a database outage.
  const storeGauge = (name: string, help: string, read: () => Promise<number>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        try {
          this.set(await read());
        } catch (err) {
          if (!storeFailure(err)) throw err;
        }
      },
    });
  storeGauge('cairn_ledger_tree_size', 'Entries in the log', () => ledger.size());
  storeGauge('cairn_ledger_checkpoint_size', 'Tree size of the latest signed checkpoint', async () => (await ledger.checkpoints.latest())?.size ?? 0);
  storeGauge('cairn_tokens_without_expiry', 'Live API tokens that never expire (service accounts, each issued with a recorded reason)', () => services.tokens.withoutExpiry());
  storeGauge('cairn_break_glass_active', 'Break-glass elevations in force now (each also an active alert)', () => alerts.countActive('break_glass'));
  return registry;
}
