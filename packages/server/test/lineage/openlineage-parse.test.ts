import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { canonicalize } from '@cairn/verify';
import { CairnError } from '../../src/errors/catalog.js';
import { displayTime, eventKindOf, EventValidator, parseEventTime, parseNodeId, parseOpenLineageEvent } from '../../src/lineage/openlineage/index.js';
import { datasetVersionId } from '../../src/lineage/openlineage/keys.js';
import { nextState } from '../../src/lineage/openlineage/run-state.js';
import { knownFacets } from '../../src/lineage/openlineage/schema-set.js';
import { openLineageSchemas } from '../../src/lineage/openlineage/schemas/schema-files.js';
import { FIXTURES, eventFiles, fixture } from '../fixtures/openlineage/fixtures.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CairnError, String(err));
    assert.equal(err.code, 'lineage_event_invalid');
    return err.details as { path: string; message: string }[];
  }
  assert.fail('expected lineage_event_invalid');
}

const minimal = () => ({
  eventTime: '2020-12-28T19:51:01.641Z',
  run: { runId: '43d7db3b-8984-4cda-b237-8c6919b36670' },
  job: { namespace: 'my-namespace', name: 'myjob' },
  producer: 'https://github.com/OpenLineage/OpenLineage/blob/v1-0-0/client',
  schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
});

describe('OpenLineage schemas shipped with the server', () => {
  it('reads assets/openlineage, unchanged copies of the conformance spec', () => {
    const { core, facets } = openLineageSchemas();
    const spec = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../../shared/conformance/openlineage/spec');
    assert.deepEqual(core, JSON.parse(fs.readFileSync(path.join(spec, 'OpenLineage.json'), 'utf8')));
    const files = fs.readdirSync(path.join(spec, 'facets')).filter((f) => f.endsWith('.json')).sort();
    assert.equal(facets.length, files.length);
    files.forEach((f, i) => assert.deepEqual(facets[i], JSON.parse(fs.readFileSync(path.join(spec, 'facets', f), 'utf8')), f));
    assert.equal(core.$id, 'https://openlineage.io/spec/2-0-2/OpenLineage.json');
  });

  it("accepts every valid facet instance of upstream's schema tests, wherever the facet may go", () => {
    const validator = new EventValidator({ validateInputFacets: true });
    const places = new Map<string, Set<string>>();
    for (const f of knownFacets()) {
      const file = path.basename(f.schema, '.json');
      places.set(file, (places.get(file) ?? new Set()).add(f.place));
    }
    let checked = 0;
    for (const dir of fs.readdirSync(path.join(FIXTURES, 'facet-examples'), { withFileTypes: true }).filter((d) => d.isDirectory())) {
      const where = places.get(dir.name);
      assert.ok(where, `facet ${dir.name} is known`);
      for (const file of fs.readdirSync(path.join(FIXTURES, 'facet-examples', dir.name))) {
        const facets = fixture(path.join('facet-examples', dir.name, file));
        // A facet with variants (`subset`, `lineage`) is valid in the place its variant is for.
        const accepted = [...where].filter((place) => {
          const event: Record<string, any> = minimal();
          const ds: Record<string, any> = { namespace: 'ns', name: 'ds' };
          if (place === 'run') event['run'].facets = facets;
          if (place === 'job') event['job'].facets = facets;
          if (place === 'dataset') event['outputs'] = [{ ...ds, facets }];
          if (place === 'input') event['inputs'] = [{ ...ds, inputFacets: facets }];
          if (place === 'output') event['outputs'] = [{ ...ds, outputFacets: facets }];
          return validator.validate('RunEvent', event).length === 0;
        });
        assert.ok(accepted.length > 0, `${dir.name}/${file} is valid as a ${[...where].join(' or ')} facet`);
        checked += 1;
      }
    }
    assert.ok(checked >= 40, `checked ${checked}`);
    assert.deepEqual(validator.validate('RunEvent', fixture('facet-examples/example_full_event.json')), []);
  });

  it('checks a known facet by its key, and only requires the base facet of an unknown one', () => {
    const event: Record<string, any> = minimal();
    event['run'].facets = {
      nominalTime: { _producer: 'https://example.com/p', _schemaURL: 'https://example.com/s' }, // nominalStartTime missing
      myVendorFacet: { _producer: 'https://example.com/p', _schemaURL: 'https://example.com/s', anything: [1, 2] },
      noBase: { anything: true },
    };
    assert.deepEqual(
      issuesOf(() => parseOpenLineageEvent(event)).sort((a, b) => a.path.localeCompare(b.path)),
      [
        { path: '/run/facets/noBase/_producer', message: 'is required' },
        { path: '/run/facets/noBase/_schemaURL', message: 'is required' },
        { path: '/run/facets/nominalTime/nominalStartTime', message: 'is required' },
      ],
    );
  });

  it('lets a job or dataset facet be deleted with `_deleted: true` without its other members', () => {
    const event: Record<string, any> = minimal();
    const deleted = { _producer: 'https://example.com/p', _schemaURL: 'https://example.com/s', _deleted: true };
    event['job'].facets = { sql: deleted };
    event['outputs'] = [{ namespace: 'ns', name: 'ds', facets: { schema: deleted } }];
    assert.equal(parseOpenLineageEvent(event).kind, 'RunEvent');
    event['job'].facets = { sql: { ...deleted, _deleted: false } };
    assert.deepEqual(issuesOf(() => parseOpenLineageEvent(event)), [{ path: '/job/facets/sql/query', message: 'is required' }]);
  });
});

describe('input dataset facets', () => {
  const columnMetrics = { path: '/inputs/0/inputFacets/dataQualityMetrics/columnMetrics', message: 'is required' };

  it('are not checked by default, as in fluentd and Marquez: event_full and the "invalid input facet" event pass', () => {
    for (const file of ['events/ol-fluentd/event_full.json', 'events/marquez/event_full.json', 'events/ol-fluentd/event_invalid_input_dataset_facet.json']) {
      assert.equal(parseOpenLineageEvent(fixture(file)).kind, 'RunEvent', file);
    }
  });

  it('are checked with validateInputFacets, as fluentd does with validate_input_dataset_facets: the invalid event fails at columnMetrics', () => {
    const strict = { validateInputFacets: true };
    assert.deepEqual(issuesOf(() => parseOpenLineageEvent(fixture('events/ol-fluentd/event_invalid_input_dataset_facet.json'), strict)), [columnMetrics]);
    // Upstream's event_full carries the same incomplete facet, so strict validation refuses it too.
    assert.deepEqual(issuesOf(() => parseOpenLineageEvent(fixture('events/ol-fluentd/event_full.json'), strict)), [columnMetrics]);
    assert.equal(parseOpenLineageEvent(fixture('events/ol-fluentd/event_simple.json'), strict).kind, 'RunEvent');
  });
});

describe('parseOpenLineageEvent', () => {
  it('reads the event class from the schemaURL suffix, as Marquez: anything else is a RunEvent', () => {
    assert.equal(eventKindOf('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent'), 'DatasetEvent');
    assert.equal(eventKindOf('https://openlineage.io/spec/1-0-1/OpenLineage.json#/definitions/JobEvent'), 'JobEvent');
    assert.equal(eventKindOf('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent'), 'RunEvent');
    assert.equal(eventKindOf('https://openlineage.io/spec/2-0-2/OpenLineage.json'), 'RunEvent');
    assert.equal(eventKindOf('JobEvent'), 'RunEvent', 'no slash: Marquez falls back to RunEvent');
    assert.equal(eventKindOf(undefined), 'RunEvent');
    assert.equal(eventKindOf(42), 'RunEvent');
  });

  it('parses every fixture upstream accepts, and names the field of each it refuses', () => {
    const refused: Record<string, string> = {
      'events/ol-fluentd/event_no_run_id.json': '/run/runId',
      'events/ol-fluentd/event_invalid_run_facet.json': '/run/facets/parent/run/runId',
      'events/ol-fluentd/event_invalid_job_facet.json': '/job/facets/ownership/owners/0/name',
      'events/ol-fluentd/event_invalid_dataset_facet.json': '/outputs/0/facets/ownership/owners/0/name',
      'events/ol-fluentd/event_invalid_output_dataset_facet.json': '/outputs/0/outputFacets/outputStatistics/rowCount',
    };
    const files = ['marquez', 'marquez-apples', 'ol-fluentd', 'ol-python-client'].flatMap(eventFiles);
    assert.equal(files.length, 35);
    for (const file of files) {
      if (refused[file]) assert.deepEqual(issuesOf(() => parseOpenLineageEvent(fixture(file))).map((i) => i.path), [refused[file]], file);
      else assert.match(parseOpenLineageEvent(fixture(file)).hash, /^sha256:[0-9a-f]{64}$/, file);
    }
  });

  it('identifies an event by the SHA-256 of its canonical JSON, whatever its formatting', () => {
    const event = fixture('events/marquez/event_full.json');
    const parsed = parseOpenLineageEvent(event);
    assert.equal(parsed.canonical, canonicalize(event));
    assert.equal(parsed.hash, `sha256:${crypto.createHash('sha256').update(canonicalize(event)).digest('hex')}`);
    const reordered = Object.fromEntries(Object.entries(event).reverse());
    assert.equal(parseOpenLineageEvent(reordered).hash, parsed.hash);
    assert.notEqual(parseOpenLineageEvent({ ...event, producer: 'https://example.com/other' }).hash, parsed.hash);
  });

  it('compares eventType case-insensitively, and keeps run ids in lower case', () => {
    const parsed = parseOpenLineageEvent({ ...minimal(), eventType: 'complete', run: { runId: '43D7DB3B-8984-4CDA-B237-8C6919B36670' } });
    assert.equal(parsed.eventType, 'COMPLETE');
    assert.equal(parsed.run!.runId, '43d7db3b-8984-4cda-b237-8c6919b36670');
    assert.deepEqual(issuesOf(() => parseOpenLineageEvent({ ...minimal(), eventType: 'finished' })), [{ path: '/eventType', message: 'must be one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER' }]);
  });

  it('refuses wrong types, bad formats and mixed event classes, naming each field', () => {
    const cases: [Record<string, unknown>, { path: string; message: string }[]][] = [
      [{ ...minimal(), run: { runId: 42 } }, [{ path: '/run/runId', message: 'must be a string' }]],
      [{ ...minimal(), run: { runId: 'not-a-uuid' } }, [{ path: '/run/runId', message: 'must be a UUID' }]],
      [{ ...minimal(), job: { namespace: 'ns', name: null } }, [{ path: '/job/name', message: 'must be a string' }]],
      [{ ...minimal(), inputs: [{ namespace: 'ns' }] }, [{ path: '/inputs/0/name', message: 'is required' }]],
      [{ ...minimal(), producer: 'not a uri' }, [{ path: '/producer', message: 'must be a URI' }]],
      [{ ...minimal(), inputs: {} }, [{ path: '/inputs', message: 'must be an array' }]],
      [{ ...minimal(), eventTime: '2021-11-03' }, [{ path: '/eventTime', message: 'must be a date-time such as 2020-12-28T19:52:00.001Z (the offset may be omitted: UTC is assumed)' }]],
      [{ ...minimal(), run: undefined }, [{ path: '/run', message: 'is required' }]],
      [
        { ...minimal(), schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent', dataset: { namespace: 'ns', name: 'ds' } },
        [{ path: '', message: 'a DatasetEvent must not carry both `job` and `run`' }],
      ],
      [{ ...minimal(), schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent' }, [{ path: '', message: 'a JobEvent must not carry `run`' }]],
      [{ ...minimal(), job: { namespace: 'ns\u0000', name: 'x' } }, [{ path: '/job/namespace', message: 'must not contain U+0000' }]],
    ];
    for (const [event, expected] of cases) assert.deepEqual(issuesOf(() => parseOpenLineageEvent(event)), expected, JSON.stringify(event).slice(0, 200));
    assert.deepEqual(issuesOf(() => parseOpenLineageEvent([minimal()])), [{ path: '', message: 'must be one OpenLineage event: a JSON object' }]);
    assert.deepEqual(issuesOf(() => parseOpenLineageEvent(null)), [{ path: '', message: 'must be one OpenLineage event: a JSON object' }]);
  });

  it('says which event and field in the message, and lists at most 100 problems', () => {
    try {
      parseOpenLineageEvent({ ...minimal(), run: {}, job: {} });
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof CairnError);
      assert.equal(err.message, 'this RunEvent is not valid OpenLineage: /run/runId is required (and 2 more problems)');
    }
    const many = { ...minimal(), inputs: Array.from({ length: 300 }, () => ({})) };
    assert.equal(issuesOf(() => parseOpenLineageEvent(many)).length, 100);
  });

  it('refuses hostile nesting and unpaired surrogates as invalid events, not crashes', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.match(issuesOf(() => parseOpenLineageEvent({ ...minimal(), run: { runId: minimal().run.runId, facets: { x: deep } } }))[0]!.message, /deeper than 256/);
    const lone = { ...minimal(), job: { namespace: 'ns', name: 'bad \ud800 name' } };
    assert.match(issuesOf(() => parseOpenLineageEvent(lone))[0]!.message, /canonicalised/);
  });
});

describe('eventTime', () => {
  it('reads RFC 3339 times, Marquez-style times without an offset (as UTC) and up to nine fraction digits', () => {
    assert.deepEqual(parseEventTime('2020-12-28T19:52:00.001+10:00'), { utc: '2020-12-28T09:52:00.001000000Z', hadOffset: true });
    assert.deepEqual(parseEventTime('2020-12-28T19:51:01.641499Z'), { utc: '2020-12-28T19:51:01.641499000Z', hadOffset: true });
    assert.deepEqual(parseEventTime('2020-12-28T19:51:01.641499'), { utc: '2020-12-28T19:51:01.641499000Z', hadOffset: false });
    assert.deepEqual(parseEventTime('2021-01-01T00:30:00-01:00'), { utc: '2021-01-01T01:30:00.000000000Z', hadOffset: true });
    assert.deepEqual(parseEventTime('2021-01-01T00:30:00.123456789+00:30'), { utc: '2021-01-01T00:00:00.123456789Z', hadOffset: true });
    assert.equal(parseEventTime('0001-01-01T00:00:00Z')?.utc, '0001-01-01T00:00:00.000000000Z');
    for (const bad of ['2021-11-03', '2021-02-29T00:00:00Z', '2020-12-28T24:00:00Z', '2020-12-28 19:51:01Z', '2020-12-28T19:51:01.1234567890Z', '2020-12-28T19:51:01+25:00', '0000-01-01T00:00:00+01:00', 'yesterday']) {
      assert.equal(parseEventTime(bad), undefined, bad);
    }
  });

  it('orders as text, and displays at least milliseconds', () => {
    const a = parseEventTime('2020-12-28T19:51:01Z')!.utc;
    const b = parseEventTime('2020-12-28T19:51:01.5Z')!.utc;
    const c = parseEventTime('2020-12-28T19:51:01.641499Z')!.utc;
    assert.ok(a < b && b < c);
    assert.equal(displayTime(a), '2020-12-28T19:51:01.000Z');
    assert.equal(displayTime(b), '2020-12-28T19:51:01.500Z');
    assert.equal(displayTime(c), '2020-12-28T19:51:01.641499Z');
  });
});

describe('node ids', () => {
  it('split like Marquez, keeping URI schemes and ports in the namespace, and try every other split after', () => {
    assert.deepEqual(parseNodeId('dataset:grandmas.kitchen:apple.pie'), { type: 'DATASET', keys: ['["grandmas.kitchen","apple.pie"]'] });
    assert.deepEqual(parseNodeId('job:ns:a:b'), { type: 'JOB', keys: ['["ns","a:b"]', '["ns:a","b"]'] });
    assert.deepEqual(parseNodeId('dataset:postgres://db:5432:public.orders').keys, ['["postgres://db:5432","public.orders"]', '["postgres","//db:5432:public.orders"]', '["postgres://db","5432:public.orders"]']);
  });

  it('refuse anything that is not `dataset:` or `job:` with a namespace and a name', () => {
    for (const bad of ['grandmas.kitchen:apple.pie', 'dataset:apples', 'dataset::apples', 'dataset:ns:', 'run:fc57cd10-90ce-49aa-ac91-29d222d66fdf', 'DATASET:ns:name']) {
      assert.throws(() => parseNodeId(bad), (err: unknown) => err instanceof CairnError && err.code === 'invalid_request', bad);
    }
  });
});

describe('run states', () => {
  const t = (n: number) => `2020-01-01T00:00:0${n}.000000000Z`;
  it('follow Marquez: START and RUNNING → RUNNING, COMPLETE → COMPLETED, FAIL → FAILED, ABORT → ABORTED, OTHER or none → NEW', () => {
    assert.deepEqual(nextState(undefined, null, t(1)), { state: 'NEW', time: null });
    assert.deepEqual(nextState(undefined, 'OTHER', t(1)), { state: 'NEW', time: null });
    assert.deepEqual(nextState(undefined, 'START', t(1)), { state: 'RUNNING', time: t(1) });
    assert.deepEqual(nextState({ state: 'RUNNING', time: t(1) }, 'COMPLETE', t(2)), { state: 'COMPLETED', time: t(2) });
    assert.deepEqual(nextState({ state: 'RUNNING', time: t(1) }, 'FAIL', t(2)), { state: 'FAILED', time: t(2) });
    assert.deepEqual(nextState({ state: 'NEW', time: null }, 'ABORT', t(2)), { state: 'ABORTED', time: t(2) });
    assert.equal(nextState({ state: 'RUNNING', time: t(1) }, 'OTHER', t(2)), undefined);
  });

  it('survive events out of order: a finished run stays finished; a late terminal event still ends a run', () => {
    assert.equal(nextState({ state: 'COMPLETED', time: t(5) }, 'START', t(1)), undefined);
    assert.equal(nextState({ state: 'COMPLETED', time: t(5) }, 'RUNNING', t(6)), undefined);
    assert.deepEqual(nextState({ state: 'RUNNING', time: t(6) }, 'COMPLETE', t(5)), { state: 'COMPLETED', time: t(5) });
    assert.equal(nextState({ state: 'RUNNING', time: t(6) }, 'RUNNING', t(5)), undefined);
    assert.deepEqual(nextState({ state: 'FAILED', time: t(5) }, 'COMPLETE', t(7)), { state: 'COMPLETED', time: t(7) });
  });
});

describe('dataset versions', () => {
  it('are UUIDs derived from namespace, name and run, the same for every event of the run', () => {
    const v = datasetVersionId('grandmas.kitchen', 'apples', 'fc57cd10-90ce-49aa-ac91-29d222d66fdf');
    assert.match(v, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(datasetVersionId('grandmas.kitchen', 'apples', 'fc57cd10-90ce-49aa-ac91-29d222d66fdf'), v);
    assert.notEqual(datasetVersionId('grandmas.kitchen', 'apples', '155dbf08-c4c5-43e6-bb3a-8095c4ba59b8'), v);
  });
});
