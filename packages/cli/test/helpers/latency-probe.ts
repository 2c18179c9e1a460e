/**
 * A separate process that times small GETs one after another, so the measurement does not share
 * an event loop with the load it observes. Forked with the URL, token and a bound on the number
 * of requests; it runs until the parent sends 'stop' (or the bound is reached) and sends back
 * every sample as `{ at, ms }` (`at`: epoch milliseconds when the request was sent).
 */
import http from 'node:http';

const [url, token, maxArg] = process.argv.slice(2);
const max = Number(maxArg ?? 5000);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const samples: { at: number; ms: number; status: number }[] = [];
let stopped = false;
process.on('message', (m) => {
  if (m === 'stop') stopped = true;
});

function get(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url!, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

process.send!('ready');
while (!stopped && samples.length < max) {
  const at = Date.now();
  const t0 = performance.now();
  const status = await get();
  samples.push({ at, ms: performance.now() - t0, status });
  await new Promise((r) => setTimeout(r, 5));
}
process.send!({ samples }, () => process.exit(0));
