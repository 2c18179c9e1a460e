import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ERROR_CATALOG } from '../../src/errors/catalog.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

/** Sends `request` as raw bytes (no client to normalise it) and reads the whole answer. */
function raw(url: string, request: string): Promise<{ status: number; headers: string; body: string; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(request));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    // The server may close while a large request is still being sent: the answer read so far counts.
    socket.on('error', (err) => (text === '' ? reject(err) : undefined));
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head, body, text });
    });
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: cairn\r\nConnection: close\r\n${extra}\r\n`;
const post = (contentType: string, body: string, token: string) =>
  `POST /api/v1/entries HTTP/1.1\r\nHost: cairn\r\nConnection: close\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('malformed requests are answered from the error catalogue, never echoing the input', () => {
  let s: RunningCairn;
  before(async () => {
    s = await startCairn(storeCases[0]!.fresh());
  });
  after(async () => s.close());

  const long = 'x'.repeat(150);
  const cases: Array<[string, () => string, string, string | undefined]> = [
    ['bad percent-encoding in the path', () => get('/api/v1/log/entries/%FF'), 'invalid_url', '%FF'],
    ['bad percent-encoding with a query', () => get('/api/v1/log/entries/%E0%A4%A?token=s3cret-in-query'), 'invalid_url', 's3cret-in-query'],
    ['a path parameter over 100 characters', () => get(`/api/v1/principals/${long}`, `Authorization: Bearer ${s.adminToken}\r\n`), 'param_too_long', long],
    ['oversized headers', () => get('/api/v1/whoami', `X-Padding: ${'p'.repeat(20_000)}\r\n`), 'headers_too_large', 'ppppp'],
    ['bytes that are not HTTP', () => 'NOT HTTP AT ALL\r\n\r\n', 'malformed_request', 'NOT HTTP'],
    ['an unknown route with a query', () => get('/api/v1/nope?token=s3cret-in-query'), 'route_not_found', 's3cret-in-query'],
    ['malformed JSON', () => post('application/json', '{"entries": [', s.adminToken), 'invalid_json', undefined],
    ['an empty JSON body', () => post('application/json', '', s.adminToken), 'invalid_json', undefined],
    ['a body that is not JSON', () => post('text/xml', '<entries/>', s.adminToken), 'unsupported_media_type', '<entries/>'],
    ['a body too large', () => post('application/json', `{"entries":[{"kind":"custom.a","body":{"x":"${'y'.repeat(1024 * 1024)}"}}]}`, s.adminToken), 'payload_too_large', 'yyyyy'],
  ];
  for (const [name, request, code, echoed] of cases) {
    it(`${name}: ${ERROR_CATALOG[code as keyof typeof ERROR_CATALOG].status} ${code}`, async () => {
      const res = await raw(s.url, request());
      assert.equal(res.status, ERROR_CATALOG[code as keyof typeof ERROR_CATALOG].status, res.text.slice(0, 500));
      assert.match(res.headers, /content-type: application\/json/i);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      assert.deepEqual(Object.keys(body), ['error']);
      assert.equal(body.error.code, code);
      assert.equal(typeof body.error.message, 'string');
      assert.doesNotMatch(res.body, /FST_|statusCode/);
      if (echoed) assert.ok(!res.body.includes(echoed), 'the answer echoes the input');
    });
  }

  it('keeps serving after each of them', async () => {
    assert.equal((await s.request('GET', '/api/v1/whoami')).status, 200);
  });
});
