// Rollback latency: how long `rollback` takes to put the previous approved version back in a zone,
// through the real registry and deployment modules (policy checks, ledger entry, projections, one
// transaction). Target: under one second (the common operational target is 15 minutes).
//
// Run alone: `node bench/rollback-bench.mjs` (after `npm run build`); `npm run bench` includes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { openCairn } from '../packages/server/dist/src/index.js';

const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');
const principal = (id, roles) => ({ id, type: 'user', roles, auth: 'token', tokenId: `tok_${id}` });
const actor = (p) => ({ id: p.id, type: p.type, auth: p.auth, tokenId: p.tokenId });

function pct(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Two approved versions of a high-risk model, deployed one after the other, then N rollback/redeploy cycles. */
export async function runRollbackBench({ dataDir, databaseUrl, schema, cycles = 200 }) {
  // A fresh store with the shipped policy pack; the same modules the HTTP routes call.
  const cairn = await openCairn({ dataDir, databaseUrl, databaseSchema: schema, host: '127.0.0.1', port: 0, checkpointIntervalMs: 60_000, bodyLimit: 1 << 20, logLevel: 'silent' });
  try {
    const erin = principal('erin', ['engineer']);
    const sam = principal('sam', ['steward']);
    const olga = principal('olga', ['operator']);
    const reviewers = [principal('bea', ['reviewer:business']), principal('mo', ['reviewer:model-risk']), principal('cara', ['reviewer:compliance'])];
    const objects = [{ path: 'part-0', size: 10, sha256: sha('data') }];
    const ds = await cairn.datasets.register(actor(erin), { name: 'bench-ehr', objects, dataClasses: ['ephi'], owner: 'clinic', legalBasis: 'HIPAA TPO' });
    await cairn.datasets.certify(sam, ds.digest, 'bench');
    await cairn.registry.createModel(actor(erin), { name: 'bench-model', owner: 'ops', useCase: 'triage', riskTier: 'high', description: 'bench' });
    const versions = [];
    for (const n of [1, 2]) {
      // Complete lineage in hipaa-ai: the high tier requires it (require_complete_lineage), ePHI trains only there.
      const lineage = { code: { repository: 'git+ssh://git@git.internal/ml/bench.git', commit: sha(`commit-${n}`).slice(0, 40) }, image: { digest: `sha256:${sha('image')}` }, environment: { lockfileSha256: sha('lock') }, parameters: { n }, evaluator: 'bench' };
      const { run } = await cairn.runs.start(erin, { name: `train-${n}`, inputs: [ds.digest], zone: 'hipaa-ai', ...lineage });
      await cairn.runs.complete(actor(erin), run.id, { status: 'completed', outputs: [{ name: 'm', digest: `sha256:${sha(`m${n}`)}` }], metrics: { auc: 0.9 } });
      const v = await cairn.registry.createVersion(actor(erin), { model: 'bench-model', version: `${n}.0`, artifacts: [{ name: 'm', digest: `sha256:${sha(`m${n}`)}` }], runId: run.id, modelCard: '#' });
      for (const kind of ['evaluation', 'fairness', 'red_team', 'security_review', 'rollback_plan', 'monitoring_plan']) {
        const metrics = kind === 'evaluation' ? { auc: 0.9 } : kind === 'fairness' ? { demographic_parity_difference: 0.01, disparate_impact_ratio: 0.95 } : undefined;
        await cairn.registry.addEvidence(actor(erin), v.id, { kind, title: kind, mediaType: 'text/plain', content: Buffer.from(kind), metrics });
      }
      await cairn.registry.validate(actor(erin), v.id);
      const d = await cairn.registry.submit(actor(erin), v.id, ['triage'], ['hipaa-ai']);
      for (const r of reviewers) await cairn.registry.approve(r, v.id, r.roles[0], d.evidenceSet, 'bench');
      versions.push(v.id);
    }
    const slot = { zone: 'hipaa-ai', environment: 'prod' };
    await cairn.deployments.deploy(olga, { versionId: versions[0], ...slot, reason: 'v1' });
    const rollbacks = [];
    const deploys = [];
    for (let i = 0; i < cycles; i += 1) {
      let t = performance.now();
      await cairn.deployments.deploy(olga, { versionId: versions[1], ...slot, reason: `release ${i}` });
      deploys.push(performance.now() - t);
      t = performance.now();
      const r = await cairn.deployments.rollback(olga, { model: 'bench-model', ...slot, reason: `incident ${i}` });
      rollbacks.push(performance.now() - t);
      if (r.deployment.versionId !== versions[0]) throw new Error(`rollback ${i} restored ${r.deployment.versionId}, not ${versions[0]}`);
    }
    const stats = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return { n: s.length, p50: pct(s, 0.5), p99: pct(s, 0.99), max: s[s.length - 1] };
    };
    return { rollback: stats(rollbacks), deploy: stats(deploys) };
  } finally {
    await cairn.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-rollback-'));
  try {
    const r = await runRollbackBench({ dataDir, cycles: Number(process.env.CYCLES ?? 200) });
    console.log(`rollback (SQLite): p50 ${r.rollback.p50.toFixed(2)} ms, p99 ${r.rollback.p99.toFixed(2)} ms, max ${r.rollback.max.toFixed(2)} ms over ${r.rollback.n}; deploy p50 ${r.deploy.p50.toFixed(2)} ms`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
