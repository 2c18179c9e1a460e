// (f) OpenLineage ingestion: `POST /api/v1/lineage` over HTTP (64 and 16 closed-loop clients), a
// 1-entry `POST /api/v1/entries` window on the same server right after (the ratio is taken within
// one server and one stretch of time), and `ingestOpenLineage` in-process (64 in flight, and one
// at a time). Every event is distinct: START and COMPLETE RunEvents of generated Airflow tasks
// with inputs, outputs and the facets an Airflow/Spark integration sends.
import crypto from 'node:crypto';
import { appendLoad, checkpointSize, request, startCairn } from './http-bench.mjs';
import { countStatements, CpuMeter, retryOpen, summarize } from './lib.mjs';

const PRODUCER = 'https://github.com/apache/airflow/tree/providers-openlineage/1.14.0';
const SPEC = 'https://openlineage.io/spec';
const facet = (schema) => ({ _producer: PRODUCER, _schemaURL: `${SPEC}/facets/${schema}` });
const NAMESPACES = ['postgres://warehouse.internal:5432', 's3://factory-lake', 'snowflake://acme-eu.snowflakecomputing.com', 'kafka://events.internal:9092'];
const COLUMN_TYPES = ['VARCHAR', 'BIGINT', 'TIMESTAMP', 'DOUBLE', 'BOOLEAN', 'DATE'];

function datasetRef(n, withStats) {
  const namespace = NAMESPACES[n % NAMESPACES.length];
  const name = `analytics.${['clinical', 'claims', 'payments', 'risk', 'ops'][n % 5]}.table_${String(n).padStart(5, '0')}`;
  const fields = Array.from({ length: 6 + (n % 6) }, (_, i) => ({ name: `col_${i}`, type: COLUMN_TYPES[(n + i) % COLUMN_TYPES.length], description: `column ${i} of ${name}` }));
  const ds = {
    namespace,
    name,
    facets: {
      schema: { ...facet('1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet'), fields },
      dataSource: { ...facet('1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet'), name: namespace, uri: namespace },
    },
  };
  if (withStats === 'output') ds.outputFacets = { outputStatistics: { ...facet('1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet'), rowCount: 1000 + n * 17, size: 1_048_576 + n * 4096 } };
  return ds;
}

/**
 * Distinct events, two per run: START, then COMPLETE (with output statistics). `jobs` tasks in
 * `dags` DAGs, each reading 2–3 of a pool of datasets and writing one; `start` offsets run numbers
 * so that every window sends events never sent before.
 */
export function eventSource({ start = 0, jobs = 400, datasets = 3000, seed = 1 } = {}) {
  const jobDefs = Array.from({ length: jobs }, (_, j) => {
    const dag = `dag_${String(j % 40).padStart(3, '0')}`;
    const nIn = 2 + (j % 2);
    return {
      namespace: 'airflow-prod',
      name: `${dag}.task_${String(j).padStart(4, '0')}`,
      dag,
      inputs: Array.from({ length: nIn }, (_, i) => (j * 7 + i * 131 + seed) % datasets),
      output: (j * 13 + 1) % datasets,
      commit: crypto.createHash('sha1').update(`job-${j}`).digest('hex'),
    };
  });
  let k = start * 2;
  const base = Date.UTC(2026, 9, 1);
  return () => {
    const runNo = Math.floor(k / 2);
    const complete = k % 2 === 1;
    k += 1;
    const job = jobDefs[runNo % jobs];
    const runId = uuidOf(`run-${seed}-${runNo}`);
    const t0 = base + runNo * 1000;
    const event = {
      eventType: complete ? 'COMPLETE' : 'START',
      eventTime: new Date(t0 + (complete ? 95_000 + (runNo % 600) * 1000 : 0)).toISOString(),
      producer: PRODUCER,
      schemaURL: `${SPEC}/2-0-2/OpenLineage.json#/$defs/RunEvent`,
      run: {
        runId,
        facets: {
          nominalTime: { ...facet('1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet'), nominalStartTime: new Date(t0 - (t0 % 3_600_000)).toISOString(), nominalEndTime: new Date(t0 - (t0 % 3_600_000) + 3_600_000).toISOString() },
          parent: { ...facet('1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet'), run: { runId: uuidOf(`dagrun-${job.dag}-${Math.floor(runNo / jobs)}`) }, job: { namespace: 'airflow-prod', name: job.dag } },
          processing_engine: { ...facet('1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet'), version: '2.10.3', name: 'Airflow', openlineageAdapterVersion: '1.14.0' },
        },
      },
      job: {
        namespace: job.namespace,
        name: job.name,
        facets: {
          jobType: { ...facet('2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet'), processingType: 'BATCH', integration: 'AIRFLOW', jobType: 'TASK' },
          sourceCodeLocation: { ...facet('1-0-1/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet'), type: 'git', url: `https://git.internal/data/pipelines/blob/${job.commit}/dags/${job.dag}.py`, repoUrl: 'https://git.internal/data/pipelines.git', path: `dags/${job.dag}.py`, version: job.commit },
          documentation: { ...facet('1-0-1/DocumentationJobFacet.json#/$defs/DocumentationJobFacet'), description: `Nightly ${job.name} of the ${job.dag} pipeline` },
        },
      },
      inputs: job.inputs.map((n) => datasetRef(n)),
      outputs: [datasetRef(job.output, complete ? 'output' : undefined)],
    };
    return event;
  };
}

function uuidOf(text) {
  const h = crypto.createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16], 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Closed-loop clients POSTing distinct events; counts 201s that complete inside the window. */
async function olLoad(cairn, { next, concurrency, warmMs, measureMs }) {
  const lat = [];
  const statuses = {};
  const errors = {};
  let ok = 0;
  let responses = 0;
  let acked = 0;
  let bytes = 0;
  const t0 = performance.now();
  const mStart = t0 + warmMs;
  const mEnd = mStart + measureMs;
  let meter;
  let cpu;
  const timers = [setTimeout(() => (meter = new CpuMeter(cairn.proc.pid)), warmMs), setTimeout(() => (cpu = meter?.stop()), warmMs + measureMs)];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < mEnd) {
        const body = Buffer.from(JSON.stringify(next()), 'utf8');
        const s = performance.now();
        let status;
        try {
          status = (await request(cairn, 'POST', '/api/v1/lineage', body)).status;
        } catch (err) {
          status = `error:${err.code ?? err.message}`;
        }
        const e = performance.now();
        if (status === 201) acked += 1;
        if (e >= mStart && e < mEnd) {
          responses += 1;
          lat.push(e - s);
          if (status === 201) {
            ok += 1;
            bytes += body.length;
          } else if (typeof status === 'number') statuses[status] = (statuses[status] ?? 0) + 1;
          else errors[status] = (errors[status] ?? 0) + 1;
        }
      }
    }),
  );
  for (const t of timers) clearTimeout(t);
  if (!cpu && meter) cpu = meter.stop();
  return { concurrency, seconds: measureMs / 1000, eventsPerSec: ok / (measureMs / 1000), created: ok, non201: statuses, errors, acked, meanEventBytes: ok ? bytes / ok : undefined, latencyMs: summarize(lat), cpu };
}

/** Runs `measure` again (bounded) while unrelated load disturbed it; keeps the quietest. */
async function quietestOf(measure, noise, log, describe) {
  const results = [];
  for (let attempt = 0; ; attempt += 1) {
    const r = await measure();
    results.push(r);
    const other = r.cpu?.other ?? 0;
    if (!noise || other <= noise.thresholdCores || attempt >= noise.retries) break;
    log(`    ${describe(r)} with ${other} cores of unrelated load; measuring again`);
    await noise.waitForQuiet();
  }
  results.sort((a, b) => (a.cpu?.other ?? 0) - (b.cpu?.other ?? 0));
  const [best, ...rest] = results;
  if (rest.length) best.discardedAttempts = rest.map((r) => ({ summary: describe(r), otherCores: r.cpu?.other }));
  return best;
}

/**
 * (f) for one store: in-process `ingestOpenLineage` on `openCairn`, then the real server on the
 * same store over HTTP.
 */
export async function runOpenLineageBench({ server, janitor, dataDir, databaseUrl, schema, concurrencies, inProcessMs, warmMs, measureMs, log, noise }) {
  const out = {};
  let runBase = 0;
  const take = (runs) => {
    const start = runBase;
    runBase += runs;
    return start;
  };

  // In-process: the function the route calls, on the services openCairn builds.
  const cairn = await retryOpen('openCairn', () => server.openCairn({ dataDir, databaseUrl, databaseSchema: schema, host: '127.0.0.1', port: 0, checkpointIntervalMs: 3_600_000, bodyLimit: 1 << 20, logLevel: 'silent' }), { log });
  try {
    const actor = { id: 'airflow-prod', type: 'service', auth: 'token', tokenId: 'tok_Af1rFl0wPr0d' };
    const warm = eventSource({ start: take(1000) });
    for (let i = 0; i < 300; i += 1) await server.ingestOpenLineage(cairn, actor, warm());
    // Statements per event (untimed): a START and the COMPLETE of the same run.
    const start = warm();
    out.eventBytes = Buffer.byteLength(JSON.stringify(start));
    const complete = warm();
    out.statements = {
      start: (await countStatements(() => server.ingestOpenLineage(cairn, actor, start))).statements,
      complete: (await countStatements(() => server.ingestOpenLineage(cairn, actor, complete))).statements,
      appendOneEntry: (await countStatements(() => cairn.ledger.append({ actor, entries: [{ kind: 'custom.artifact', subject: 'run/r-1', body: { n: 1 } }] }))).statements,
    };
    log(`    statements per event (in-process, incl. BEGIN/COMMIT): START ${out.statements.start}, COMPLETE ${out.statements.complete}; a 1-entry append: ${out.statements.appendOneEntry}; event ~${out.eventBytes} bytes`);
    const inProcess = async (inFlight) => {
      const next = eventSource({ start: take(2_000_000) });
      const size0 = await cairn.ledger.size();
      const lat = [];
      let n = 0;
      let dup = 0;
      const cpu = new CpuMeter();
      const t0 = performance.now();
      const end = t0 + inProcessMs;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (performance.now() < end) {
            // Parsed JSON, as the route hands it over (Fastify parses the body before the handler).
            const body = JSON.parse(JSON.stringify(next()));
            const s = performance.now();
            const r = await server.ingestOpenLineage(cairn, actor, body);
            lat.push(performance.now() - s);
            if (r.duplicate) dup += 1;
            n += 1;
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const grown = (await cairn.ledger.size()) - size0;
      if (dup > 0 || grown !== n) throw new Error(`in-process ingest: ${n} events, ${dup} duplicates, ledger grew ${grown}`);
      return { inFlight, events: n, seconds, eventsPerSec: n / seconds, latencyMs: summarize(lat), ledgerGrowthMatches: true, cpu: cpu.stop() };
    };
    out.inProcess = [];
    for (const inFlight of [64, 1]) {
      const r = await quietestOf(() => inProcess(inFlight), noise, log, (x) => `in-process ${inFlight} in flight: ${Math.round(x.eventsPerSec)}/s`);
      out.inProcess.push(r);
      log(`    in-process ingestOpenLineage, ${String(inFlight).padStart(2)} in flight: ${Math.round(r.eventsPerSec).toLocaleString('en-US')} events/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms (ledger grew by exactly the events; other load ${r.cpu?.other} cores)`);
    }
  } finally {
    await cairn.close();
  }

  // Over HTTP: the real server on the same store.
  const http = await startCairn({ janitor, dataDir, databaseUrl, schema });
  out.http = [];
  try {
    const warm = eventSource({ start: take(1000) });
    for (let i = 0; i < 200; i += 1) {
      const r = await request(http, 'POST', '/api/v1/lineage', Buffer.from(JSON.stringify(warm())));
      if (r.status !== 201) throw new Error(`POST /api/v1/lineage answered ${r.status}: ${r.body.toString('utf8').slice(0, 500)}`);
    }
    for (const concurrency of concurrencies) {
      const r = await quietestOf(
        async () => {
          const before = await checkpointSize(http);
          const a = await olLoad(http, { next: eventSource({ start: take(2_000_000) }), concurrency, warmMs, measureMs });
          const after = await checkpointSize(http);
          a.treeGrowth = after - before;
          a.treeMatchesAcks = a.treeGrowth === a.acked;
          if (!a.treeMatchesAcks) throw new Error(`${concurrency} clients: the tree grew by ${a.treeGrowth} but ${a.acked} events were acknowledged`);
          return a;
        },
        noise,
        log,
        (x) => `OpenLineage over HTTP, ${concurrency} clients: ${Math.round(x.eventsPerSec)}/s`,
      );
      out.http.push(r);
      const non = Object.entries({ ...r.non201, ...r.errors }).map(([k, v]) => `${k}×${v}`).join(', ') || 'none';
      log(
        `    POST /api/v1/lineage, ${String(concurrency).padStart(2)} clients: ${Math.round(r.eventsPerSec).toLocaleString('en-US')} events/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, non-201: ${non}; ` +
          `CPU cores: server ${r.cpu?.server}, client ${r.cpu?.bench}, postgres ${r.cpu?.postgres}, other ${r.cpu?.other}; signed tree grew ${r.treeGrowth} = acked events`,
      );
    }
    // The ledger's own HTTP append rate, same server, right after: the denominator of the ratio.
    const concurrency = Math.max(...concurrencies);
    out.appendSameWindow = await quietestOf(
      async () => {
        const before = await checkpointSize(http);
        const a = await appendLoad(http, { perRequest: 1, concurrency, warmMs, measureMs, seq0: 60_000_000 + runBase });
        a.treeMatchesAcks = (await checkpointSize(http)) - before === a.ackedTotal;
        return a;
      },
      noise,
      log,
      (x) => `1-entry appends: ${Math.round(x.durableEntriesPerSec)}/s`,
    );
    const ap = out.appendSameWindow;
    log(`    POST /api/v1/entries (1 entry), ${concurrency} clients, same server right after: ${Math.round(ap.durableEntriesPerSec).toLocaleString('en-US')} entries/s, p99 ${ap.latencyMs.p99.toFixed(2)} ms; other load ${ap.cpu?.other} cores`);
    const ol64 = out.http.find((x) => x.concurrency === concurrency);
    out.ratioToAppend = ol64.eventsPerSec / ap.durableEntriesPerSec;
  } finally {
    await http.stop();
  }
  return out;
}
