// A separate process that times small GETs one after another while the bench loads the server
// (so the timing does not share the bench's event loop). Forked with URL, token; runs until the
// parent sends 'stop' (at most 20,000 requests) and sends back `{ samples: [{ at, ms, status }] }`.
import http from 'node:http';

const [url, token] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const samples = [];
let stopped = false;
process.on('message', (m) => {
  if (m === 'stop') stopped = true;
});
const get = () =>
  new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
  });
process.send('ready');
while (!stopped && samples.length < 20_000) {
  const at = Date.now();
  const t0 = performance.now();
  const status = await get();
  samples.push({ at, ms: performance.now() - t0, status });
  await new Promise((r) => setTimeout(r, 5));
}
process.send({ samples }, () => process.exit(0));
