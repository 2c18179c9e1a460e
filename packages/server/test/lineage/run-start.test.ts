import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { commitOf, digestOf, fullRun, objects, sha } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

for (const storeCase of storeCases) {
  describe(`starting a training run on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let engineer: string;
    let ephi: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      engineer = await s.token(['engineer'], 'erin');
      const steward = await s.token(['steward'], 'sam');
      const ds = await s.request('POST', '/api/v1/datasets', { token: engineer, body: { name: 'ehr', objects: objects('ehr', 2), dataClasses: ['ephi'], owner: 'clinic', legalBasis: 'HIPAA TPO' } });
      ephi = ds.body.digest;
      assert.equal((await s.request('POST', `/api/v1/datasets/${ephi}/certify`, { token: steward, body: { reason: 'checked' } })).status, 200);
    });
    after(async () => s.close());

    const start = (body: object) => s.request('POST', '/api/v1/runs', { token: engineer, body: { name: 'train', inputs: [ephi], ...fullRun('train'), ...body } });
    const size = async () => {
      await s.cairn.ledger.flush();
      return s.cairn.ledger.size();
    };
    const runCount = async () => (await s.cairn.store.db.selectFrom('training_runs').select('id').execute()).length;

    it('refuses what cannot go into a valid bundle with a 400 naming the field, and writes nothing', async () => {
      const before = await size();
      const cases: [object, string, RegExp][] = [
        [{ code: { repository: 'git+ssh://git@git.internal/ml/x.git', commit: '1a2b3c4d' } }, '/code/commit', /pattern/],
        [{ code: { repository: 'git+ssh://git@git.internal/ml/x.git', commit: commitOf('x').toUpperCase() } }, '/code/commit', /pattern/],
        [{ code: { repository: 'not a repository', commit: commitOf('x') } }, '/code/repository', /not a git repository URI/],
        [{ code: { repository: 'https://git.internal/ml/a b.git', commit: commitOf('x') } }, '/code/repository', /RFC 3986/],
        [{ code: { repository: 'svn://svn.internal/ml', commit: commitOf('x') } }, '/code/repository', /not a git repository URI/],
        [{ image: { digest: digestOf('i'), name: 'Registry.internal/ML/Train' } }, '/image/name', /not a container image reference/],
        [{ image: { digest: digestOf('i'), name: `registry.internal/ml/train@sha256:${sha('other')}` } }, '/image/name', /pinned to sha256:/],
      ];
      for (const [body, path, message] of cases) {
        const res = await start(body);
        assert.equal(res.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'invalid_request');
        const issue = res.body.error.details.find((d: { path: string }) => d.path === `body${path}`);
        assert.ok(issue, `the problem is reported at ${path}: ${JSON.stringify(res.body.error.details)}`);
        assert.match(JSON.stringify(res.body.error), message);
      }
      const noZone = await s.request('POST', '/api/v1/runs', { token: engineer, body: { name: 'train', inputs: [ephi] } });
      assert.equal(noZone.status, 400, 'every run declares its zone');
      const unknown = await start({ zone: 'moon-base' });
      assert.equal(unknown.status, 422);
      assert.equal(unknown.body.error.code, 'unknown_zone');
      assert.ok(unknown.body.error.details.known.includes('hipaa-ai'));
      assert.equal(await size(), before, 'nothing was recorded');
      assert.equal(await runCount(), 0);
    });

    it('records the scp-like repository as a git+ssh URI and the image as an oci URI', async () => {
      const res = await start({ name: 'scp', code: { repository: 'git@Git.Internal:ml/demo.git', commit: commitOf('demo') }, image: { digest: digestOf('i'), name: 'pytorch/pytorch:2.4' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.run.code.repository, 'git+ssh://git@git.internal/ml/demo.git');
      assert.equal(res.body.run.image.uri, `oci://docker.io/pytorch/pytorch@sha256:${sha('i')}`);
      const sha256Commit = await start({ name: 'sha256-repo', code: { repository: 'https://git.internal/ml/x.git', commit: sha('a sha-256 object id') } });
      assert.equal(sha256Commit.status, 201, 'a SHA-256 repository commit (64 hex) is a full id too');
      assert.equal(sha256Commit.body.run.code.repository, 'git+https://git.internal/ml/x.git');
    });

    it('applies the data-class placement rules when training starts, and records the refusal', async () => {
      const before = await size();
      const runsBefore = await runCount();
      const res = await start({ name: 'cheap-zone', zone: 'standard-ai' });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'run_inputs_refused');
      const denied = res.body.error.details.decision.rules.filter((r: { effect: string }) => r.effect === 'deny').map((r: { rule: string }) => r.rule);
      assert.ok(denied.includes('data_class.allowed_zones'), 'ePHI trains only where ePHI may be processed');
      assert.ok(denied.includes('data_class.requires.private_ingress'), 'and only where the zone has the controls ePHI requires');
      assert.match(res.body.error.message, /ePHI may only be placed in hipaa-ai/);
      const entry = await s.cairn.ledger.entry(res.body.error.details.ledgerIndex);
      assert.equal(entry.entry.kind, 'run.refused');
      assert.equal(entry.entry.body['zone'], 'standard-ai');
      assert.equal(entry.entry.actor.id, 'erin');
      assert.equal(await size(), before + 1, 'the refusal, and only the refusal, is recorded');
      assert.equal(await runCount(), runsBefore, 'no run exists');
      const ok = await start({ name: 'right-zone', zone: 'hipaa-ai' });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.equal(ok.body.run.zone, 'hipaa-ai');
      assert.ok(ok.body.decision.obligations.some((o: string) => /signed container images/.test(o)), "the zone's workload requirements become obligations");
    });

    it('answers placement checks without recording them: they gate nothing', async () => {
      const before = await size();
      for (const zone of ['standard-ai', 'hipaa-ai']) {
        const res = await s.request('POST', '/api/v1/placements/check', { token: engineer, body: { workload: { dataClasses: ['ephi'] }, zone } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.allowed, zone === 'hipaa-ai');
        const dryRun = await s.request('POST', '/api/v1/policy/evaluate', { body: { placement: { workload: { dataClasses: ['ephi'] }, zone } } });
        assert.equal(dryRun.status, 200, JSON.stringify(dryRun.body));
      }
      assert.equal(await size(), before, 'the log did not grow');
    });
  });
}
