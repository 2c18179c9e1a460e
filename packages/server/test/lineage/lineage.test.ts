import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromBase64, manifestDigest, parseVerifierKey, statementIssues, verifyEnvelope } from '@cairn/verify';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { commitOf, digestOf, objects, sha } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

for (const storeCase of storeCases) {
  describe(`data lineage on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let steward: string;
    let secondSteward: string;
    let engineer: string;
    let auditor: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      steward = await s.token(['steward'], 'sam-steward');
      secondSteward = await s.token(['steward'], 'tia-steward');
      engineer = await s.token(['engineer'], 'erin-engineer');
      auditor = await s.token(['auditor'], 'audrey');
    });
    after(async () => s.close());

    const register = (body: object, token = engineer) => s.request('POST', '/api/v1/datasets', { token, body });
    const ehr = objects('ehr-2026-10', 4);
    let raw: string;
    let derived: string;
    let runId: string;

    it('registers a dataset version in quarantine, identified by its manifest digest', async () => {
      const res = await register({ name: 'ehr-admissions', objects: ehr, owner: 'clinical-data-office', sourceSystem: 'epic-clarity', dataClasses: ['ephi'], legalBasis: 'HIPAA TPO', retentionClass: 'clinical-7y', tags: ['readmission'] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      raw = res.body.digest;
      assert.equal(raw, manifestDigest(ehr), 'the digest is recomputable from the file list alone');
      assert.equal(res.body.state, 'quarantine');
      assert.equal(res.body.objectCount, 4);
      assert.equal(res.body.totalBytes, 1000 + 1001 + 1002 + 1003);
      const entry = await s.cairn.ledger.entry(res.body.ledgerIndex);
      assert.equal(entry.entry.kind, 'dataset.registered');
      assert.equal(entry.entry.subject, `dataset:${raw}`);
      assert.equal(entry.entry.actor.id, 'erin-engineer');
      const manifest = await s.request('GET', `/api/v1/datasets/${raw}/manifest`, { token: auditor });
      assert.equal(digestOf(manifest.text), raw);
      const again = await register({ name: 'ehr-admissions', objects: [...ehr].reverse(), dataClasses: ['ephi'] });
      assert.equal(again.status, 409, 'the same manifest in another order is the same version');
      assert.equal(again.body.error.code, 'dataset_exists');
    });

    it('refuses bad manifests with every offending line, and writes nothing', async () => {
      const before = await s.cairn.ledger.size();
      const bad = [
        { path: 'a.csv', size: 1, sha256: sha('a') },
        { path: 'a.csv', size: 2, sha256: sha('b') },
        { path: 'c.csv', size: -5, sha256: sha('c') },
        { path: 'd.csv', size: 3, sha256: 'not-a-digest' },
      ];
      const res = await register({ name: 'broken', objects: bad, dataClasses: ['internal'] });
      assert.equal(res.status, 422);
      assert.equal(res.body.error.code, 'manifest_invalid');
      assert.deepEqual(res.body.error.details.issues.map((i: { line: number }) => i.line), [2, 3, 4]);
      assert.match(res.body.error.details.issues[0].message, /duplicate path \(first at 1\)/);
      const unknownClass = await register({ name: 'x', objects: objects('x', 1), dataClasses: ['secret-sauce'] });
      assert.equal(unknownClass.status, 422);
      assert.equal(unknownClass.body.error.code, 'unknown_data_class');
      const noInputs = await register({ name: 'y', objects: objects('y', 1), dataClasses: ['internal'], derivedFrom: { inputs: [digestOf('nope')], transform: { repository: 'git@x:y.git', commit: 'abcdef1' } } });
      assert.equal(noInputs.status, 422);
      assert.equal(noInputs.body.error.code, 'unknown_dataset');
      await s.cairn.ledger.flush();
      assert.equal(await s.cairn.ledger.size(), before);
    });

    it('certifies only through the policy check, by a steward, listing every failed rule', async () => {
      const orphan = await register({ name: 'claims-extract', objects: objects('claims', 2), dataClasses: ['personal_data'] });
      assert.equal(orphan.status, 201);
      const refused = await s.request('POST', `/api/v1/datasets/${orphan.body.digest}/certify`, { token: steward, body: { reason: 'monthly load' } });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'certification_failed');
      const failed = refused.body.error.details.decision.rules.filter((r: { effect: string }) => r.effect === 'deny').map((r: { rule: string }) => r.rule);
      assert.deepEqual(failed.sort(), ['dataset.legal_basis', 'dataset.owner_set']);
      const recorded = (await s.cairn.ledger.entries(0, 10_000)).filter((e) => e.entry.kind === 'dataset.certification_refused');
      assert.equal(recorded.length, 1, 'the refusal is recorded');

      const byEngineer = await s.request('POST', `/api/v1/datasets/${raw}/certify`, { token: engineer, body: { reason: 'trust me' } });
      assert.equal(byEngineer.status, 403);
      const ok = await s.request('POST', `/api/v1/datasets/${raw}/certify`, { token: steward, body: { reason: 'DQ checks passed, DPO sign-off #88' } });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.dataset.state, 'certified');
      assert.equal(ok.body.decision.allowed, true);
      const twice = await s.request('POST', `/api/v1/datasets/${raw}/certify`, { token: steward, body: { reason: 'again' } });
      assert.equal(twice.status, 409);
      assert.deepEqual(twice.body.error.details, { state: 'certified', allowed: ['deprecated'] });
    });

    it('derives with exclusions, propagates classes, and records declassification with a reason', async () => {
      const exclusions = [{ records: 'patients with opt-out flag (412 rows, ids in DPO ticket 5521)', reason: 'consent withdrawn', by: 'sam-steward' }, { records: 'rows 10000-10420', reason: 'duplicate ingestion', manualOverride: { by: 'dr-lee', reason: 'kept 3 rows after review' } }];
      const res = await register({
        name: 'ehr-admissions-clean',
        objects: objects('ehr-clean', 2),
        owner: 'clinical-data-office',
        dataClasses: ['internal'],
        legalBasis: 'HIPAA TPO',
        derivedFrom: { inputs: [raw], transform: { repository: 'git@git.internal:ml/etl.git', commit: 'a1b2c3d4e5f6', parameters: { dedupe: true } }, exclusions },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      derived = res.body.digest;
      assert.deepEqual(res.body.dataClasses, ['ephi', 'internal'], 'ePHI propagates from the input');
      assert.deepEqual(res.body.derivedFrom.exclusions, exclusions);
      const entry = await s.cairn.ledger.entry(res.body.ledgerIndex);
      assert.equal(entry.entry.body['derivedFrom'] && (entry.entry.body['derivedFrom'] as Record<string, unknown>)['exclusionCount'], 2);
      assert.ok(!Buffer.from(entry.leaf).toString().includes('opt-out'), 'exclusion details stay out of the ledger (commitment only)');

      const declass = await s.request('POST', `/api/v1/datasets/${derived}/declassify`, { token: steward, body: { classes: ['ephi'], reason: 'Safe Harbor de-identification verified (report DI-204)' } });
      assert.equal(declass.status, 200, JSON.stringify(declass.body));
      // ePHI is a two-person class in the example pack: proposed, in force only once another steward approves.
      assert.deepEqual(declass.body.dataClasses, ['ephi', 'internal']);
      assert.equal(declass.body.pendingDeclassification.by, 'sam-steward');
      const early = await s.request('POST', `/api/v1/datasets/${derived}/certify`, { token: steward, body: { reason: 'too early' } });
      assert.equal(early.status, 409);
      const approved = await s.request('POST', `/api/v1/datasets/${derived}/declassify/approve`, { token: secondSteward, body: { reason: 'DI-204 report checked' } });
      assert.equal(approved.status, 200, approved.text);
      assert.deepEqual(approved.body.dataset.dataClasses, ['internal']);
      assert.equal(approved.body.dataset.declassifications[0].by, 'sam-steward');
      assert.equal(approved.body.dataset.declassifications[0].approvedBy, 'tia-steward');
      const cert = await s.request('POST', `/api/v1/datasets/${derived}/certify`, { token: steward, body: { reason: 'derived set ready' } });
      assert.equal(cert.status, 200, JSON.stringify(cert.body));
    });

    it('refuses a run on quarantined or unknown data and records the refusal', async () => {
      const quarantined = await register({ name: 'fresh', objects: objects('fresh', 1), dataClasses: ['internal'], owner: 'x' });
      const res = await s.request('POST', '/api/v1/runs', { token: engineer, body: { name: 'readmission-train', zone: 'standard-ai', inputs: [quarantined.body.digest, digestOf('unknown')] } });
      assert.equal(res.status, 422);
      assert.equal(res.body.error.code, 'run_inputs_refused');
      assert.equal(res.body.error.details.decision.rules.filter((r: { effect: string }) => r.effect === 'deny').length, 2);
      assert.ok((await s.cairn.ledger.entries(0, 10_000)).some((e) => e.entry.kind === 'run.refused'));
    });

    it('runs a training job and issues a signed in-toto/SLSA lineage bundle', async () => {
      const start = await s.request('POST', '/api/v1/runs', {
        token: engineer,
        body: {
          name: 'readmission-train',
          inputs: [derived],
          zone: 'regulated-ai-eu',
          code: { repository: 'git@git.internal:ml/readmission.git', commit: commitOf('readmission') },
          image: { digest: digestOf('image'), name: 'registry.internal/ml/train@sha256:' + sha('image') },
          environment: { accelerator: 'NVIDIA A100 80GB', driverVersion: '550.54', cudaVersion: '12.4', lockfileSha256: sha('lock') },
          parameters: { epochs: 20, lr: 0.0003 },
          evaluator: 'eval-harness@v4',
        },
      });
      assert.equal(start.status, 201, JSON.stringify(start.body));
      assert.equal(start.body.run.code.repository, 'git+ssh://git@git.internal/ml/readmission.git', "git's scp-like form is recorded as the URI it stands for");
      assert.ok(start.body.decision.rules.some((r: { rule: string }) => r.rule === 'data_class.allowed_zones'), 'the data-class placement rules applied when training started');
      runId = start.body.run.id;
      assert.equal(start.body.run.state, 'running');
      const pending = await s.request('GET', `/api/v1/runs/${runId}/provenance`, { token: auditor });
      assert.equal(pending.status, 409);
      const done = await s.request('POST', `/api/v1/runs/${runId}/complete`, { token: engineer, body: { outputs: [{ name: 'readmission-model.onnx', digest: digestOf('model') }], metrics: { auroc: 0.81, calibration_error: 0.03 } } });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.state, 'completed');
      assert.equal(done.body.lineageComplete, true, JSON.stringify(done.body.missing));

      const envelope = (await s.request('GET', `/api/v1/runs/${runId}/provenance`, { token: auditor })).body;
      const { verifierKey } = (await s.request('GET', '/api/v1/log/key')).body;
      const statement = JSON.parse(Buffer.from(verifyEnvelope(envelope, parseVerifierKey(verifierKey))).toString('utf8'));
      assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
      assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
      assert.equal(statement.predicateType, 'https://slsa.dev/provenance/v1');
      assert.deepEqual(statement.subject, [{ name: 'readmission-model.onnx', digest: { sha256: sha('model') } }]);
      const deps = statement.predicate.buildDefinition.resolvedDependencies;
      assert.deepEqual(deps.map((d: { name: string; digest: Record<string, string> }) => [d.name, Object.keys(d.digest)[0]]), [['ehr-admissions-clean', 'sha256'], ['code', 'gitCommit'], ['image', 'sha256'], ['lockfile', 'sha256']]);
      assert.equal(deps[0].digest.sha256, derived.slice(7));
      assert.equal(deps[1].digest.gitCommit, commitOf('readmission'));
      assert.equal(deps[1].uri, `git+ssh://git@git.internal/ml/readmission.git@${commitOf('readmission')}`);
      assert.equal(deps[2].uri, `oci://registry.internal/ml/train@sha256:${sha('image')}`);
      assert.equal(deps[3].digest.sha256, sha('lock'));
      assert.deepEqual(statement.predicate.buildDefinition.internalParameters, { trainer: 'erin-engineer', completedBy: 'erin-engineer' }, 'who trained is set by Cairn, inside the signature');
      const external = statement.predicate.buildDefinition.externalParameters;
      assert.equal(external.evaluator, 'eval-harness@v4');
      assert.equal(external.zone, 'regulated-ai-eu');
      assert.deepEqual(statement.predicate.runDetails.byproducts[0].annotations, { evaluator: 'eval-harness@v4' });
      assert.deepEqual(statementIssues(statement), [], 'a third-party validator accepts it');
      assert.equal(statement.predicate.runDetails.metadata.invocationId, runId);
      // A flipped payload byte fails verification.
      const tampered = { ...envelope, payload: Buffer.from(fromBase64(envelope.payload).map((b, i) => (i === 10 ? b ^ 1 : b))).toString('base64') };
      assert.throws(() => verifyEnvelope(tampered, parseVerifierKey(verifierKey)));
    });

    it('marks a run lineage-incomplete, listing the missing fields', async () => {
      const start = await s.request('POST', '/api/v1/runs', { token: engineer, body: { name: 'quick-experiment', zone: 'hipaa-ai', inputs: [raw] } });
      assert.equal(start.status, 201, JSON.stringify(start.body));
      const done = await s.request('POST', `/api/v1/runs/${start.body.run.id}/complete`, { token: engineer, body: { outputs: [] } });
      assert.equal(done.body.lineageComplete, false);
      assert.deepEqual(done.body.missing, ['code.repository', 'code.commit', 'image.digest', 'environment.lockfileSha256', 'parameters', 'metrics', 'evaluator', 'outputs']);
      const again = await s.request('POST', `/api/v1/runs/${start.body.run.id}/complete`, { token: engineer, body: { outputs: [] } });
      assert.equal(again.status, 409);
      const none = await s.request('GET', `/api/v1/runs/${start.body.run.id}/provenance`, { token: auditor });
      assert.equal(none.status, 409, 'without outputs there is no subject, so no bundle');
    });

    it('traces a model artifact back to raw data and a dataset forward to the models trained on it', async () => {
      const up = await s.request('GET', `/api/v1/trace/artifact/${digestOf('model')}`, { token: auditor });
      assert.equal(up.status, 200, JSON.stringify(up.body));
      const upstream = up.body.nodes.filter((n: { direction: string }) => n.direction === 'upstream').map((n: { key: string }) => n.key);
      assert.deepEqual(upstream, [`run:${runId}`, `dataset:${derived}`, `dataset:${raw}`]);
      const rawNode = up.body.nodes.find((n: { key: string }) => n.key === `dataset:${raw}`);
      assert.deepEqual(rawNode.details, { name: 'ehr-admissions', state: 'certified', dataClasses: ['ephi'], owner: 'clinical-data-office' });
      assert.equal(up.body.nodes.find((n: { key: string }) => n.key === `run:${runId}`).details.lineageComplete, true);
      for (const n of up.body.nodes) {
        const e = await s.cairn.ledger.entry(n.ledgerIndex);
        assert.ok(e.entry.subject === n.key || JSON.stringify(e.entry.body).includes(n.key.split(':').slice(1).join(':')), `node ${n.key} names the entry that recorded it`);
      }
      const down = await s.request('GET', `/api/v1/trace/dataset/${raw}`, { token: auditor });
      const downstream = down.body.nodes.filter((n: { direction: string }) => n.direction === 'downstream').map((n: { key: string }) => n.key);
      assert.ok(downstream.includes(`artifact:${digestOf('model')}`), 'which models were trained on this data: the reverse walk');
      assert.ok(downstream.includes(`dataset:${derived}`));
      const shallow = await s.request('GET', `/api/v1/trace/dataset/${raw}?depth=1`, { token: auditor });
      assert.equal(shallow.body.truncated, true);
      assert.equal((await s.request('GET', `/api/v1/trace/dataset/${digestOf('never')}`, { token: auditor })).status, 404);
      assert.equal((await s.request('GET', `/api/v1/trace/planet/x`, { token: auditor })).status, 400);
    });

    it('reports lineage KPIs', async () => {
      const res = await s.request('GET', '/api/v1/kpis', { token: auditor });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.lineage, { runs: 2, completedRuns: 2, runsWithCompleteBundle: 1, completeBundleShare: 0.5, datasetsUsed: 2, datasetsCertifiedBeforeUse: 2, certifiedBeforeUseShare: 1 });
    });
  });
}
