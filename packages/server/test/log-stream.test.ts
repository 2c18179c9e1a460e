import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

/** Log lines are JSON, unless a person watches the terminal: the same records, as readable text. */
const MODULE = new URL('../src/log-stream.js', import.meta.url).href;
const run = (asText: string) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', `import { pino } from 'pino'; import { logStream } from '${MODULE}'; pino({}, logStream(2${asText})).info({ url: 'http://127.0.0.1:1' }, 'Cairn listening on http://127.0.0.1:1');`], { encoding: 'utf8', cwd: new URL('..', import.meta.url) });

describe('log stream', () => {
  it('writes JSON lines when not on a terminal (the default for a pipe)', () => {
    const r = run('');
    assert.equal(r.status, 0, r.stderr);
    const line = JSON.parse(r.stderr.trim()) as { msg: string; url: string };
    assert.equal(line.msg, 'Cairn listening on http://127.0.0.1:1');
    assert.equal(line.url, 'http://127.0.0.1:1');
  });
  it('writes readable text for a terminal', () => {
    const r = run(', true');
    assert.equal(r.status, 0, r.stderr);
    assert.throws(() => JSON.parse(r.stderr.trim()));
    assert.match(r.stderr, /INFO.*Cairn listening on http:\/\/127\.0\.0\.1:1/);
    assert.match(r.stderr, /url: "http:\/\/127\.0\.0\.1:1"/);
  });
});
