import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { datasetVersionId } from '../../src/lineage/openlineage/keys.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { eventFiles, fixture, fixtureText } from '../fixtures/openlineage/fixtures.js';

after(cleanupStores);

interface Edge {
  origin: string;
  destination: string;
}
interface Node {
  id: string;
  type: 'DATASET' | 'JOB';
  data: Record<string, any>;
  inEdges: Edge[];
  outEdges: Edge[];
}

// The apples chain (Marquez's api/src/test/resources/apples): grandma picks apples twice (the
// second time crab apples), makes filling (the second time with sugar), pie, cider and vinegar.
const J = {
  gather: 'job:grandmas.kitchen:gather_apples',
  filling: 'job:grandmas.kitchen:prepare_apple_filling',
  cider: 'job:grandmas.kitchen:prepare_apple_cider',
  vinegar: 'job:grandmas.kitchen:prepare_vinegar',
  pie: 'job:grandmas.kitchen:prepare_apple_pie',
};
const D = {
  crab: 'dataset:backyard:crab.apples',
  red: 'dataset:laurents-orchard:red.delicious',
  apples: 'dataset:grandmas.kitchen:apples',
  cinnamon: 'dataset:grandmas.kitchen:cinnamon',
  sugar: 'dataset:cupboard:sugar',
  filling: 'dataset:grandmas.kitchen:apple.filling',
  cider: 'dataset:grandmas.kitchen:apple.cider',
  vinegar: 'dataset:cupboard:apple.vinegar',
  pie: 'dataset:grandmas.kitchen:apple.pie',
};
const sorted = (ids: string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

for (const storeCase of storeCases) {
  describe(`OpenLineage lineage graph (GET /api/v1/lineage) on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let reader: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      for (const file of eventFiles('marquez-apples')) {
        const res = await s.request('POST', '/api/v1/lineage', { rawBody: fixtureText(file) });
        assert.equal(res.status, 201, `${file}: ${res.text}`);
      }
      reader = await s.token(['reviewer:business'], 'rita');
    });
    after(async () => s.close());

    const graph = async (nodeId: string, depth?: number): Promise<Node[]> => {
      const res = await s.request('GET', `/api/v1/lineage?nodeId=${encodeURIComponent(nodeId)}${depth === undefined ? '' : `&depth=${depth}`}`, { token: reader });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.body), ['graph']);
      return res.body.graph as Node[];
    };
    const ids = (nodes: Node[]) => nodes.map((n) => n.id);

    it('walks from a job through shared datasets, one job further per depth step, as Marquez does', async () => {
      const depth0 = [J.pie, D.filling, D.pie];
      const depth1 = [...depth0, J.filling, D.apples, D.cinnamon, D.sugar];
      const depth2 = [...depth1, J.gather, J.cider, D.crab, D.cider];
      const depth3 = [...depth2, J.vinegar, D.vinegar];
      assert.deepEqual(ids(await graph(J.pie, 0)), sorted(depth0), 'nodes come sorted by id');
      assert.deepEqual(ids(await graph(J.pie, 1)), sorted(depth1));
      assert.deepEqual(ids(await graph(J.pie, 2)), sorted(depth2), 'cider shares the apples with the filling, so it is one step away');
      assert.deepEqual(ids(await graph(J.pie, 3)), sorted(depth3));
      assert.deepEqual(await graph(J.pie), await graph(J.pie, 20), 'depth defaults to 20');
      assert.deepEqual(ids(await graph(J.pie, 100)), sorted(depth3), 'red delicious apples are no longer an input of any job: the second picking replaced them');

      assert.deepEqual(ids(await graph(J.vinegar, 1)), sorted([J.vinegar, J.cider, D.cider, D.vinegar, D.apples, D.sugar]));
      assert.deepEqual(ids(await graph(J.vinegar, 2)), sorted([J.vinegar, J.cider, D.cider, D.vinegar, D.apples, D.sugar, J.gather, J.filling, D.crab, D.cinnamon, D.filling]));
    });

    it('starts a dataset node from the jobs that read or write it', async () => {
      assert.deepEqual(await graph(D.pie, 0), await graph(J.pie, 0));
      assert.deepEqual(await graph(D.pie, 3), await graph(J.pie, 3));
      assert.deepEqual(ids(await graph(D.crab, 0)), sorted([J.gather, D.crab, D.apples]));
      assert.deepEqual(ids(await graph(D.apples, 0)), sorted([J.gather, J.filling, J.cider, D.crab, D.apples, D.cinnamon, D.sugar, D.filling, D.cider]));
      const orphan = await graph(D.red);
      assert.deepEqual(ids(orphan), [D.red], 'a dataset no job touches any more is a graph of itself');
      assert.deepEqual([orphan[0]!.inEdges, orphan[0]!.outEdges], [[], []]);
    });

    it('links input dataset → job → output dataset, each edge on both of its nodes', async () => {
      const nodes = await graph(J.pie, 20);
      const byId = new Map(nodes.map((n) => [n.id, n]));
      assert.deepEqual(byId.get(J.filling)!.inEdges, [
        { origin: D.sugar, destination: J.filling },
        { origin: D.apples, destination: J.filling },
        { origin: D.cinnamon, destination: J.filling },
      ]);
      assert.deepEqual(byId.get(J.filling)!.outEdges, [{ origin: J.filling, destination: D.filling }]);
      assert.deepEqual(byId.get(D.apples)!.inEdges, [{ origin: J.gather, destination: D.apples }]);
      assert.deepEqual(byId.get(D.apples)!.outEdges, [
        { origin: D.apples, destination: J.cider },
        { origin: D.apples, destination: J.filling },
      ]);
      for (const node of nodes) {
        for (const e of node.inEdges) {
          assert.equal(e.destination, node.id);
          assert.ok(byId.get(e.origin)!.outEdges.some((o) => o.destination === node.id), `${e.origin} → ${node.id} on both ends`);
        }
        for (const e of node.outEdges) assert.equal(e.origin, node.id);
        assert.equal(node.type, node.id.startsWith('job:') ? 'JOB' : 'DATASET');
        if (node.type === 'JOB') for (const e of [...node.inEdges, ...node.outEdges]) assert.ok([e.origin, e.destination].every((id) => id === node.id || id.startsWith('dataset:')));
      }
    });

    it("gives each node Marquez's data: datasets as in lineage_node.json, jobs with their latest run", async () => {
      const nodes = await graph(J.pie, 20);
      const byId = new Map(nodes.map((n) => [n.id, n]));
      const marquez = fixture('lineage_node.json')['data'] as Record<string, unknown>;
      const apples = byId.get(D.apples)!.data;
      for (const key of Object.keys(marquez)) assert.ok(key in apples, `DATASET data has ${key}`);
      assert.deepEqual(apples['id'], { namespace: 'grandmas.kitchen', name: 'apples' });
      assert.equal(apples['type'], 'DB_TABLE');
      assert.equal(apples['physicalName'], 'apples');
      assert.equal(apples['sourceName'], 'default');
      assert.deepEqual(apples['fields'], []);
      assert.equal(apples['createdAt'], '2020-08-29T23:00:00.000Z', 'the first event that named it, in UTC');
      assert.equal(apples['lastModifiedAt'], '2020-10-15T03:00:00.000Z', 'when the second picking completed');
      assert.equal(apples['currentVersion'], datasetVersionId('grandmas.kitchen', 'apples', '155dbf08-c4c5-43e6-bb3a-8095c4ba59b8'));

      const pie = byId.get(J.pie)!.data;
      for (const key of ['id', 'type', 'name', 'createdAt', 'updatedAt', 'inputs', 'outputs', 'namespace', 'location', 'description', 'latestRun', 'tags', 'parentJobName']) {
        assert.ok(key in pie, `JOB data has ${key}`);
      }
      assert.deepEqual(pie['id'], { namespace: 'grandmas.kitchen', name: 'prepare_apple_pie' });
      assert.equal(pie['type'], 'BATCH');
      assert.deepEqual(pie['inputs'], [{ namespace: 'grandmas.kitchen', name: 'apple.filling' }]);
      assert.deepEqual(pie['outputs'], [{ namespace: 'grandmas.kitchen', name: 'apple.pie' }]);
      assert.equal(pie['createdAt'], '2020-09-03T05:00:00.000Z');
      assert.equal(pie['updatedAt'], '2020-10-16T05:00:00.000Z');
      const run = pie['latestRun'];
      assert.equal(run.id, 'bcef9942-cb5c-476a-995b-3e5ca14aff27', 'the second pie');
      assert.equal(run.state, 'COMPLETED');
      assert.equal(run.endedAt, '2020-10-16T05:00:00.000Z');
      assert.deepEqual(run.inputDatasetVersions, [
        { datasetVersionId: { namespace: 'grandmas.kitchen', name: 'apple.filling', version: datasetVersionId('grandmas.kitchen', 'apple.filling', 'e7d71919-25b3-49cc-a0f5-63ecbee72b0f') }, facets: {} },
      ], 'the pie was made from the second filling (the one with extra sugar)');
      assert.deepEqual(run.outputDatasetVersions, [
        { datasetVersionId: { namespace: 'grandmas.kitchen', name: 'apple.pie', version: datasetVersionId('grandmas.kitchen', 'apple.pie', 'bcef9942-cb5c-476a-995b-3e5ca14aff27') }, facets: {} },
      ]);
      const gather = byId.get(J.gather)!.data;
      assert.deepEqual(gather['inputs'], [{ namespace: 'backyard', name: 'crab.apples' }], 'the current version: the second picking');
    });

    it('shows static lineage from a JobEvent and finds names whose namespace holds colons', async () => {
      for (const file of ['events/ol-python-client/serde_example_job_event.json', 'events/ol-python-client/serde_example_run_event.json']) {
        assert.equal((await s.request('POST', '/api/v1/lineage', { rawBody: fixtureText(file) })).status, 201);
      }
      assert.deepEqual(ids(await graph('job:openlineage:name', 0)), ['dataset:openlineage:dataset_a', 'dataset:openlineage:dataset_b', 'job:openlineage:name']);

      const event = {
        eventType: 'COMPLETE',
        eventTime: '2024-01-01T00:00:00Z',
        run: { runId: '0f5c5c4e-5b7a-4a57-9c38-8d2b8f1f0a01' },
        job: { namespace: 'spark://cluster:7077', name: 'etl:orders' },
        inputs: [{ namespace: 'postgres://db:5432', name: 'public.orders' }],
        outputs: [{ namespace: 's3://bucket', name: 'clean/orders' }],
        producer: 'https://github.com/OpenLineage/OpenLineage/tree/1.9.0/integration/spark',
      };
      assert.equal((await s.request('POST', '/api/v1/lineage', { body: event })).status, 201);
      const expected = ['dataset:postgres://db:5432:public.orders', 'dataset:s3://bucket:clean/orders', 'job:spark://cluster:7077:etl:orders'];
      assert.deepEqual(ids(await graph('dataset:postgres://db:5432:public.orders', 0)), expected);
      assert.deepEqual(ids(await graph('job:spark://cluster:7077:etl:orders', 0)), expected, 'the name holds a colon: the second split finds it');
    });

    it('answers 404 for an unknown node and 400 for a malformed request', async () => {
      for (const nodeId of ['dataset:grandmas.kitchen:apple.crumble', 'job:grandmas.kitchen:bake_bread', 'job:grandmas.kitchen:apple.pie']) {
        const res = await s.request('GET', `/api/v1/lineage?nodeId=${encodeURIComponent(nodeId)}`, { token: reader });
        assert.equal(res.status, 404, nodeId);
        assert.equal(res.body.error.code, 'lineage_node_not_found');
      }
      for (const query of ['nodeId=apples', 'nodeId=dataset%3Aapples', 'nodeId=run%3Afc57cd10-90ce-49aa-ac91-29d222d66fdf', 'nodeId=', '', `nodeId=${encodeURIComponent(J.pie)}&depth=101`, `nodeId=${encodeURIComponent(J.pie)}&depth=-1`, `nodeId=${encodeURIComponent(J.pie)}&depth=two`, `nodeId=${encodeURIComponent(J.pie)}&dept=2`]) {
        const res = await s.request('GET', `/api/v1/lineage?${query}`, { token: reader });
        assert.equal(res.status, 400, `${query}: ${res.text}`);
        assert.equal(res.body.error.code, 'invalid_request');
      }
    });
  });
}
