// A server that does no work, for the HTTP ceiling of this machine and load generator: it reads
// the POST body, parses it, and answers 201 with a response shaped like POST /api/v1/entries'.
// Usage: node bench/null-server.mjs node:http|fastify
import http from 'node:http';

const kind = process.argv[2] ?? 'node:http';
const reply = (entries) => JSON.stringify({ entries: entries.map((_, i) => ({ index: i, leafHash: 'ab'.repeat(32) })), treeSize: 1 });

if (kind === 'fastify') {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.post('/api/v1/entries', async (request, res) => res.status(201).type('application/json').send(reply(request.body.entries)));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stderr.write(`null server listening on ${address}\n`);
} else {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(reply(body.entries));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stderr.write(`null server listening on http://127.0.0.1:${server.address().port}\n`));
}
process.on('SIGTERM', () => process.exit(0));
