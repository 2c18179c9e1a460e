import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { canonicalize } from '@cairn/verify';
import { SYSTEM_ACTOR } from '../../src/auth/principal.js';
import { CairnError } from '../../src/errors/catalog.js';
import { ingestOpenLineage } from '../../src/lineage/openlineage/index.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { eventFiles, fixture, fixtureText } from '../fixtures/openlineage/fixtures.js';

after(cleanupStores);

const sha256 = (text: string) => `sha256:${crypto.createHash('sha256').update(text).digest('hex')}`;

/** What the fluentd validator's tests expect of each deliberately invalid event (NOTES.md). */
const REFUSED: Readonly<Record<string, string>> = {
  'events/ol-fluentd/event_no_run_id.json': '/run/runId',
  'events/ol-fluentd/event_invalid_run_facet.json': '/run/facets/parent/run/runId',
  'events/ol-fluentd/event_invalid_job_facet.json': '/job/facets/ownership/owners/0/name',
  'events/ol-fluentd/event_invalid_dataset_facet.json': '/outputs/0/facets/ownership/owners/0/name',
  'events/ol-fluentd/event_invalid_output_dataset_facet.json': '/outputs/0/outputFacets/outputStatistics/rowCount',
};

/** A fresh RunEvent of our own (unique ids), for tests that must not meet the fixtures. */
function runEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventType: 'START',
    eventTime: '2024-05-01T10:00:00.000Z',
    run: { runId: crypto.randomUUID() },
    job: { namespace: 'cairn-tests', name: `job-${crypto.randomUUID()}` },
    inputs: [{ namespace: 'cairn-tests', name: 'in' }],
    outputs: [{ namespace: 'cairn-tests', name: 'out' }],
    producer: 'https://example.com/cairn-tests',
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    ...overrides,
  };
}

for (const storeCase of storeCases) {
  describe(`OpenLineage ingestion (POST /api/v1/lineage) on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let engineer: string;
    let service: string;
    let auditor: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      engineer = await s.token(['engineer'], 'erin');
      service = await s.token(['service'], 'airflow');
      auditor = await s.token(['auditor'], 'audrey');
    });
    after(async () => s.close());

    const post = (body: string, token = engineer, headers: Record<string, string> = {}) => s.request('POST', '/api/v1/lineage', { token, rawBody: body, headers });
    const storedEvents = async () => Number((await s.cairn.store.db.selectFrom('ol_events').select(({ fn }) => fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const run = (runId: string) => s.cairn.store.db.selectFrom('ol_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();

    it('moves a run from RUNNING to COMPLETED with Marquez listener events 1 then 2', async () => {
      const first = await post(fixtureText('events/marquez/listener/1.json'));
      assert.equal(first.status, 201, first.text);
      const runId = fixture('events/marquez/listener/1.json')['run'].runId as string;
      const running = await run(runId);
      assert.equal(running?.state, 'RUNNING');
      assert.equal(running?.started_at, '2020-12-28T09:52:00.001000000Z', 'eventTime +10:00, stored in UTC');
      assert.equal(running?.ended_at, null);

      assert.equal((await post(fixtureText('events/marquez/listener/2.json'))).status, 201);
      const completed = await run(runId);
      assert.equal(completed?.state, 'COMPLETED');
      assert.equal(completed?.ended_at, '2020-12-29T09:52:00.001000000Z');
      const states = await s.cairn.store.db.selectFrom('ol_run_states').select(['state', 'event_time']).where('run_id', '=', runId).orderBy('ledger_index').execute();
      assert.deepEqual(states.map((r) => r.state), ['RUNNING', 'COMPLETED']);
      // The run read and wrote what both events named; its job's datasets are the finished run's.
      assert.deepEqual((JSON.parse(completed!.inputs) as { name: string }[]).map((d) => d.name).sort(), ['file://localhost/in_file1.txt', 'file://localhost/in_file2.txt', 'file://localhost/in_file3.txt']);
      const written = JSON.parse(completed!.outputs) as { name: string; version: string }[];
      assert.deepEqual(written.map((d) => d.name).sort(), ['file://localhost/out_file1.txt', 'file://localhost/out_file2.txt']);
      const job = await s.cairn.store.db.selectFrom('ol_jobs').selectAll().where('key', '=', JSON.stringify(['my-scheduler-namespace', 'myjob'])).executeTakeFirstOrThrow();
      assert.equal(job.io_run_id, runId);
      assert.equal(job.io_settled, 1);
      const out = await s.cairn.store.db.selectFrom('ol_datasets').selectAll().where('key', '=', JSON.stringify(['file.localhost', 'file://localhost/out_file2.txt'])).executeTakeFirstOrThrow();
      assert.equal(out.current_version, written.find((d) => d.name.endsWith('out_file2.txt'))!.version);
      assert.equal(out.last_modified_at, '2020-12-29T09:52:00.001000000Z');
    });

    it('accepts every event Marquez, its tests and the OpenLineage clients send: 201 with an empty body', async () => {
      const files = ['marquez', 'marquez-apples', 'ol-python-client', 'ol-fluentd'].flatMap(eventFiles).filter((f) => !REFUSED[f]);
      assert.equal(files.length, 30);
      for (const file of files) {
        const res = await post(fixtureText(file), service);
        assert.equal(res.status, 201, `${file}: ${res.text}`);
        assert.equal(res.text, '', `${file}: empty body`);
      }
      // Among them: the 220 KB event, unicode names, no-timezone and nanosecond times, no schemaURL,
      // a DatasetEvent and a JobEvent; and fluentd's "invalid input facet" event, since input facets
      // are not checked by default (see docs/openlineage.md).
      assert.ok(fixtureText('events/marquez/event_large.json').length > 200_000);
      const unique = new Set(files.map((f) => sha256(canonicalize(fixture(f)))));
      assert.equal(await storedEvents(), unique.size, 'one row per distinct event (event_simple.json is in two folders)');
      const noZone = await s.cairn.store.db.selectFrom('ol_events').select('event_time').where('event_hash', '=', sha256(canonicalize(fixture('events/marquez/event_required_no_timezone.json')))).executeTakeFirstOrThrow();
      assert.equal(noZone.event_time, '2020-12-28T19:51:01.641499000Z', 'no offset: read as UTC, microseconds kept');
      const datasetEvent = await s.cairn.store.db.selectFrom('ol_datasets').selectAll().where('key', '=', JSON.stringify(['my-dataset-namespace', 'my-dataset-name'])).executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(datasetEvent.facets), fixture('events/marquez/event_dataset_event.json')['dataset'].facets, 'the DatasetEvent facets read back unchanged');
      assert.deepEqual(JSON.parse(datasetEvent.fields), [{ name: 'col_a', type: 'VARCHAR', tags: [], description: 'string' }]);
      const jobEvent = await s.cairn.store.db.selectFrom('ol_jobs').selectAll().where('key', '=', JSON.stringify(['my-scheduler-namespace', 'myjob'])).executeTakeFirstOrThrow();
      assert.ok(jobEvent.inputs.length > 2);
      const unicode = await s.cairn.store.db.selectFrom('ol_jobs').select('name').where('name', '=', 'myjob.buggy_task🕷').executeTakeFirst();
      assert.ok(unicode, 'the unicode job name is stored intact');
    });

    it('refuses the fluentd validator\'s invalid events with 422 naming the field, and writes nothing', async () => {
      const size = await s.cairn.ledger.size();
      const events = await storedEvents();
      for (const [file, pointer] of Object.entries(REFUSED)) {
        const res = await post(fixtureText(file));
        assert.equal(res.status, 422, `${file}: ${res.text}`);
        assert.equal(res.body.error.code, 'lineage_event_invalid');
        assert.deepEqual(res.body.error.details.map((d: { path: string }) => d.path), [pointer], file);
        assert.ok(res.body.error.message.includes(pointer), res.body.error.message);
      }
      assert.equal(await s.cairn.ledger.size(), size, 'nothing ledgered');
      assert.equal(await storedEvents(), events, 'nothing stored');
    });

    it('records each event as one lineage.openlineage entry: a summary and the event hash, never the event', async () => {
      const text = fixtureText('events/marquez/event_full.json');
      const event = fixture('events/marquez/event_full.json');
      const hash = sha256(canonicalize(event));
      const row = await s.cairn.store.db.selectFrom('ol_events').selectAll().where('event_hash', '=', hash).executeTakeFirstOrThrow();
      assert.equal(row.event, canonicalize(event), 'the full event is kept, canonical, so its hash can be recomputed');
      const stored = await s.cairn.ledger.entry(Number(row.ledger_index));
      assert.equal(stored.entry.kind, 'lineage.openlineage');
      assert.equal(stored.entry.subject, `openlineage-run:${event['run'].runId}`);
      assert.equal(stored.entry.actor.id, 'airflow');
      assert.deepEqual(stored.entry.body, {
        eventHash: hash,
        type: 'RunEvent',
        eventType: 'COMPLETE',
        eventTime: '2020-12-28T19:51:01.641Z',
        producer: 'https://github.com/OpenLineage/OpenLineage/blob/v1-0-0/client',
        job: { namespace: 'my-scheduler-namespace', name: 'myjob.mytask' },
        run: { runId: 'ea041791-68bc-4ae1-bd89-4c8106a157e4' },
        inputs: ['my-datasource-namespace:instance.schema.table'],
        outputs: ['my-datasource-namespace:instance.schema.table'],
      });
      const leaf = Buffer.from(stored.leaf).toString('utf8');
      assert.ok(text.includes('SELECT * FROM foo') && !leaf.includes('SELECT'), 'the SQL facet stays out of the ledger');

      const dataset = await s.cairn.store.db.selectFrom('ol_events').select('ledger_index').where('event_hash', '=', sha256(canonicalize(fixture('events/marquez/event_dataset_event.json')))).executeTakeFirstOrThrow();
      const datasetEntry = (await s.cairn.ledger.entry(Number(dataset.ledger_index))).entry;
      assert.equal(datasetEntry.subject, 'openlineage-dataset:my-dataset-namespace:my-dataset-name');
      assert.equal(datasetEntry.body['dataset'], 'my-dataset-namespace:my-dataset-name');
      assert.equal(datasetEntry.body['eventType'], null);
      const job = await s.cairn.store.db.selectFrom('ol_events').select('ledger_index').where('event_hash', '=', sha256(canonicalize(fixture('events/marquez/event_job_event.json')))).executeTakeFirstOrThrow();
      assert.equal((await s.cairn.ledger.entry(Number(job.ledger_index))).entry.subject, 'openlineage-job:my-scheduler-namespace:myjob');
    });

    it('stores a redelivered event once: 201 every time, one entry, whatever the formatting', async () => {
      const event = runEvent();
      const size = await s.cairn.ledger.size();
      assert.equal((await post(JSON.stringify(event))).status, 201);
      assert.equal(await s.cairn.ledger.size(), size + 1);
      const again = await post(JSON.stringify(Object.fromEntries(Object.entries(event).reverse()), null, 2));
      assert.equal(again.status, 201);
      assert.equal(again.text, '');
      assert.equal(await s.cairn.ledger.size(), size + 1, 'same canonical JSON: not ledgered again');

      // Concurrent deliveries of one new event: all 201, one entry.
      const racing = JSON.stringify(runEvent());
      const results = await Promise.all(Array.from({ length: 6 }, () => post(racing)));
      assert.deepEqual(results.map((r) => r.status), [201, 201, 201, 201, 201, 201]);
      assert.equal(await s.cairn.ledger.size(), size + 2);
      const entries = await s.cairn.store.db.selectFrom('log_entries').select(({ fn }) => fn.countAll().as('n')).where('kind', '=', 'lineage.openlineage').executeTakeFirstOrThrow();
      assert.equal(await storedEvents(), Number(entries.n), 'one entry per stored event');

      // A different event of the same run is a new event.
      assert.equal((await post(JSON.stringify({ ...event, eventType: 'COMPLETE', eventTime: '2024-05-01T10:05:00Z' }))).status, 201);
      assert.equal(await s.cairn.ledger.size(), size + 3);
    });

    it('follows the run through START, RUNNING, COMPLETE, FAIL and ABORT, eventType in any case', async () => {
      const started = runEvent({ eventType: 'start' });
      const runId = (started['run'] as { runId: string }).runId;
      assert.equal((await post(JSON.stringify(started))).status, 201);
      assert.equal((await run(runId))?.state, 'RUNNING');
      assert.equal((await post(JSON.stringify({ ...started, eventType: 'Running', eventTime: '2024-05-01T10:01:00Z' }))).status, 201);
      assert.equal((await post(JSON.stringify({ ...started, eventType: 'complete', eventTime: '2024-05-01T10:02:00Z' }))).status, 201);
      assert.equal((await run(runId))?.state, 'COMPLETED');
      // A late START (earlier eventTime, delivered after) does not reopen the run.
      assert.equal((await post(JSON.stringify({ ...started, eventType: 'START', eventTime: '2024-05-01T09:59:00Z' }))).status, 201);
      const done = await run(runId);
      assert.equal(done?.state, 'COMPLETED');
      assert.equal(done?.started_at, '2024-05-01T09:59:00.000000000Z');

      const failed = runEvent({ eventType: 'FAIL' });
      assert.equal((await post(JSON.stringify(failed))).status, 201);
      assert.equal((await run((failed['run'] as { runId: string }).runId))?.state, 'FAILED');
      const aborted = runEvent({ eventType: 'abort' });
      assert.equal((await post(JSON.stringify(aborted))).status, 201);
      assert.equal((await run((aborted['run'] as { runId: string }).runId))?.state, 'ABORTED');
      const other = runEvent({ eventType: 'OTHER' });
      assert.equal((await post(JSON.stringify(other))).status, 201);
      assert.equal((await run((other['run'] as { runId: string }).runId))?.state, 'NEW');
    });

    it('keeps schema fields, column lineage, the parent run and every other facet', async () => {
      const facet = { _producer: 'https://example.com/p', _schemaURL: 'https://example.com/s' };
      const parentRun = crypto.randomUUID();
      const event = runEvent({
        eventType: 'COMPLETE',
        run: { runId: crypto.randomUUID(), facets: { parent: { ...facet, run: { runId: parentRun }, job: { namespace: 'airflow', name: 'dag' } }, custom: { ...facet, x: 1 } } },
        job: { namespace: 'airflow', name: 'dag.task', facets: { sql: { ...facet, query: 'select 1' } } },
        outputs: [
          {
            namespace: 'warehouse',
            name: 'orders_clean',
            facets: {
              schema: { ...facet, fields: [{ name: 'id', type: 'BIGINT' }, { name: 'email', type: 'VARCHAR', description: 'hashed' }] },
              columnLineage: { ...facet, fields: { id: { inputFields: [{ namespace: 'warehouse', name: 'orders', field: 'id' }] } } },
            },
            outputFacets: { outputStatistics: { ...facet, rowCount: 10 } },
          },
        ],
      });
      assert.equal((await post(JSON.stringify(event))).status, 201);
      const runId = (event['run'] as { runId: string }).runId;
      const row = await run(runId);
      assert.equal(row?.parent_run_id, parentRun);
      assert.equal(row?.parent_job_name, 'dag');
      assert.deepEqual(Object.keys(JSON.parse(row!.facets)).sort(), ['custom', 'parent']);
      const dataset = await s.cairn.store.db.selectFrom('ol_datasets').selectAll().where('key', '=', JSON.stringify(['warehouse', 'orders_clean'])).executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(dataset.fields), [
        { name: 'id', type: 'BIGINT', tags: [], description: null },
        { name: 'email', type: 'VARCHAR', tags: [], description: 'hashed' },
      ]);
      assert.deepEqual(JSON.parse(dataset.column_lineage!), (event['outputs'] as any)[0].facets.columnLineage);
      const version = await s.cairn.store.db.selectFrom('ol_dataset_versions').selectAll().where('version', '=', dataset.current_version!).executeTakeFirstOrThrow();
      assert.equal(version.run_id, runId);
      assert.deepEqual(JSON.parse(version.output_facets), (event['outputs'] as any)[0].outputFacets);
      const job = await s.cairn.store.db.selectFrom('ol_jobs').selectAll().where('key', '=', JSON.stringify(['airflow', 'dag.task'])).executeTakeFirstOrThrow();
      assert.equal(JSON.parse(job.facets).sql.query, 'select 1');
      assert.equal(job.parent_job_name, 'dag');

      // A second run writes a new version; deleting a facet with `_deleted` removes it.
      const next = { ...event, run: { runId: crypto.randomUUID() }, outputs: [{ namespace: 'warehouse', name: 'orders_clean', facets: { columnLineage: { ...facet, _deleted: true } } }] };
      assert.equal((await post(JSON.stringify(next))).status, 201);
      const after = await s.cairn.store.db.selectFrom('ol_datasets').selectAll().where('key', '=', dataset.key).executeTakeFirstOrThrow();
      assert.notEqual(after.current_version, dataset.current_version);
      assert.equal(after.column_lineage, null);
      assert.equal(JSON.parse(after.fields).length, 2, 'the schema facet still stands');
      const versions = await s.cairn.store.db.selectFrom('ol_dataset_versions').select('version').where('dataset_key', '=', dataset.key).execute();
      assert.equal(versions.length, 2);
    });

    it('answers bad input as Marquez would, and writes nothing', async () => {
      const size = await s.cairn.ledger.size();
      const events = await storedEvents();
      const notJson = await post('{"run": Not a JSON}');
      assert.equal(notJson.status, 400);
      assert.equal(notJson.body.error.code, 'invalid_json');
      const array = await post(JSON.stringify([runEvent()]));
      assert.equal(array.status, 422);
      assert.deepEqual(array.body.error.details, [{ path: '', message: 'must be one OpenLineage event: a JSON object' }]);
      const missing = await post(JSON.stringify(runEvent({ run: {} })));
      assert.equal(missing.status, 422);
      assert.deepEqual(missing.body.error.details, [{ path: '/run/runId', message: 'is required' }]);
      const wrong = await post(JSON.stringify(runEvent({ run: { runId: 7 }, job: { namespace: 'ns', name: null }, eventTime: '2021-11-03' })));
      assert.equal(wrong.status, 422);
      assert.deepEqual(wrong.body.error.details.map((d: { path: string }) => d.path).sort(), ['/eventTime', '/job/name', '/run/runId']);
      const text = await post('hello', engineer, { 'content-type': 'text/plain' });
      assert.equal(text.status, 415);
      const empty = await post('');
      assert.equal(empty.status, 400);
      let deep = '{}';
      for (let i = 0; i < 5000; i++) deep = `{"a":${deep}}`;
      const nested = await post(JSON.stringify(runEvent()).replace('"inputs"', `"deep":${deep},"inputs"`));
      assert.equal(nested.status, 422, nested.text.slice(0, 200));
      const lone = await post(JSON.stringify(runEvent()).replace('"in"', '"\\ud800"'));
      assert.equal(lone.status, 422);
      assert.equal(await s.cairn.ledger.size(), size);
      assert.equal(await storedEvents(), events);
    });

    it('accepts gzip- and deflate-encoded events, as the Python client sends with compression enabled', async () => {
      const send = (body: Buffer, encoding: string) =>
        fetch(`${s.url}/api/v1/lineage`, { method: 'POST', headers: { authorization: `Bearer ${engineer}`, 'content-type': 'application/json', 'content-encoding': encoding }, body });
      const size = await s.cairn.ledger.size();
      const gzipped = await send(zlib.gzipSync(JSON.stringify(runEvent())), 'gzip');
      assert.equal(gzipped.status, 201, await gzipped.text());
      assert.equal((await send(zlib.deflateSync(JSON.stringify(runEvent())), 'deflate')).status, 201);
      assert.equal(await s.cairn.ledger.size(), size + 2);
      const corrupt = await send(Buffer.from('not gzip'), 'gzip');
      assert.equal(corrupt.status, 400);
      assert.match(((await corrupt.json()) as { error: { message: string } }).error.message, /cannot be decompressed/);
      const bomb = await send(zlib.gzipSync(Buffer.alloc(4 * 1024 * 1024, 32)), 'gzip');
      assert.equal(bomb.status, 413, 'the body limit applies to the inflated bytes');
      assert.equal((await send(Buffer.from('{}'), 'br')).status, 415);
      assert.equal(await s.cairn.ledger.size(), size + 2);
    });

    it('needs lineage:write to send and lineage:read to read: 401 without a token, auditors read only', async () => {
      const body = JSON.stringify(runEvent());
      const anonymous = await post(body, null as unknown as string);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.error.code, 'unauthenticated');
      const refused = await post(body, auditor);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'forbidden');
      assert.equal(refused.body.error.details.permission, 'lineage:write');
      const read = await s.request('GET', `/api/v1/lineage?nodeId=${encodeURIComponent('dataset:cairn-tests:out')}`, { token: auditor });
      assert.equal(read.status, 200, read.text);
      assert.equal((await s.request('GET', '/api/v1/lineage?nodeId=dataset:cairn-tests:out', { token: null })).status, 401);
    });

    it('can be fed programmatically (ingestOpenLineage), with input facets checked on request', async () => {
      const size = await s.cairn.ledger.size();
      const event = runEvent();
      const first = await ingestOpenLineage(s.cairn, SYSTEM_ACTOR, event);
      assert.equal(first.duplicate, false);
      assert.equal(first.eventHash, sha256(canonicalize(event)));
      assert.equal((await s.cairn.ledger.entry(first.ledgerIndex)).entry.actor.id, 'cairn');
      const second = await ingestOpenLineage(s.cairn, SYSTEM_ACTOR, event);
      assert.deepEqual(second, { ...first, duplicate: true });
      await assert.rejects(
        ingestOpenLineage(s.cairn, SYSTEM_ACTOR, fixture('events/ol-fluentd/event_invalid_input_dataset_facet.json'), { validateInputFacets: true }),
        (err: unknown) => err instanceof CairnError && err.code === 'lineage_event_invalid' && JSON.stringify(err.details).includes('/inputs/0/inputFacets/dataQualityMetrics/columnMetrics'),
      );
      assert.equal(await s.cairn.ledger.size(), size + 1);
    });
  });
}
