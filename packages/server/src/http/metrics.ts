import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';
import type { FailureLimiter } from '../auth/failure-limiter.js';
import type { WriteLimiter } from '../limits/write-limiter.js';

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
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const { ledger, alerts } = services;
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
    name: 'cairn_ledger_tree_size',
    help: 'Entries in the log',
    registers: [registry],
    async collect() {
      this.set(await ledger.size());
    },
  });
  new Gauge({
    name: 'cairn_ledger_checkpoint_size',
    help: 'Tree size of the latest signed checkpoint',
    registers: [registry],
    async collect() {
      this.set((await ledger.checkpoints.latest())?.size ?? 0);
    },
  });
  new Gauge({
    name: 'cairn_tokens_without_expiry',
    help: 'Live API tokens that never expire (service accounts, each issued with a recorded reason)',
    registers: [registry],
    async collect() {
      this.set(await services.tokens.withoutExpiry());
    },
  });
  new Gauge({
    name: 'cairn_break_glass_active',
    help: 'Break-glass elevations in force now (each also an active alert)',
    registers: [registry],
    async collect() {
      this.set(await alerts.countActive('break_glass'));
    },
  });
  return registry;
}
