import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CompactRange, canonicalBytes, formatVerifierKey, fromHex, leafHash, verifyCheckpoint, verifyInclusion } from '@cairn/verify';
import { appendEntries } from './helpers/append-load.js';
import { readLog, signCheckpoint } from './helpers/log-reader.js';
import { describeRun, runCli, type CliResult } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer, type ServerProcess } from './helpers/spawn-server.js';

/** `cairn` as a user runs it: a child process against a real server, judged by exit code and output. */
const scratch = new Scratch();
after(async () => {
  killAllServers();
  await scratch.cleanup();
});

async function cairn(args: string[], env: Record<string, string | undefined>, expectedCode: number): Promise<CliResult> {
  const r = await runCli(args, { env });
  assert.equal(r.code, expectedCode, describeRun(args, r));
  return r;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('cairn --help', () => {
  test('cairn, cairn log and cairn serve describe their commands and options and exit 0', async () => {
    const env = { CAIRN_CONFIG_DIR: scratch.dir() };
    const [top, log, serve] = await Promise.all([cairn(['--help'], env, 0), cairn(['log', '--help'], env, 0), cairn(['serve', '--help'], env, 0)]);
    for (const word of ['serve', 'log', '--url', '--token-file', '--json', 'Exit codes']) assert.ok(top.stdout.includes(word), `cairn --help lacks ${word}:\n${top.stdout}`);
    for (const word of ['checkpoint', 'entry', 'prove', 'consistency', 'verify']) assert.ok(log.stdout.includes(word), `cairn log --help lacks ${word}:\n${log.stdout}`);
    for (const word of ['--data', '--listen', '--database-url', '--database-schema', '--key-file', '--origin', '--checkpoint-interval', '--log-level']) {
      assert.ok(serve.stdout.includes(word), `cairn serve --help lacks ${word}:\n${serve.stdout}`);
    }
  });
});

describe('cairn log against a running server', () => {
  let server: ServerProcess;
  let env: Record<string, string>;
  let verifierKey: string;
  let first: { index: number; leafHash: string };
  let size: number;
  const firstBody = { step: 'train', ok: true };

  before(async () => {
    const data = scratch.dir();
    // Checkpoints only when asked, so the sizes the tests see are the ones they signed.
    server = await spawnServer({ data, checkpointInterval: '10m' });
    env = { CAIRN_CONFIG_DIR: scratch.dir(), CAIRN_URL: server.url, CAIRN_TOKEN_FILE: path.join(data, 'admin-token') };
    const appended = await appendEntries(server.url, server.adminToken(), [
      { kind: 'custom.pipeline.step', subject: 'run:1', body: firstBody },
      ...Array.from({ length: 6 }, (_, n) => ({ kind: 'custom.pipeline.step', body: { n } })),
    ]);
    first = appended.entries[0]!; // not 0: Cairn ledgers its own bootstrap (policy, admin token) first
    size = appended.treeSize;
    const key = await (await fetch(`${server.url}/api/v1/log/key`, { headers: { authorization: `Bearer ${server.adminToken()}` } })).json();
    verifierKey = (key as { verifierKey: string }).verifierKey;
  });

  after(async () => {
    assert.equal((await server.stop()).code, 0);
  });

  test('serve wrote the bootstrap admin token readable by its owner only', () => {
    const file = env['CAIRN_TOKEN_FILE']!;
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(file, 'utf8'), /^\S{20,}\n?$/);
  });

  test('log checkpoint --json prints the verified origin, size and root of the latest checkpoint', async () => {
    const r = await cairn(['--json', 'log', 'checkpoint', '--sign'], env, 0);
    const out = r.json();
    const checkpoint = verifyCheckpoint(out.note, verifierKey);
    assert.equal(out.verified, true);
    assert.equal(out.origin, checkpoint.origin);
    assert.equal(verifierKey.split('+')[0], out.origin);
    assert.equal(out.size, size);
    assert.equal(out.rootHash, Buffer.from(checkpoint.rootHash).toString('hex'));
    assert.match(out.rootHash, /^[0-9a-f]{64}$/);
  });

  test('log entry 0 --json prints the first entry with the leaf hash of its canonical bytes', async () => {
    const out = (await cairn(['log', 'entry', '0', '--json'], env, 0)).json();
    assert.equal(out.index, 0);
    assert.match(out.entry.kind, /^[a-z]+(\.[a-z0-9_-]+)+$/);
    assert.equal(Buffer.from(leafHash(canonicalBytes(out.entry))).toString('hex'), out.leafHash);
    const served = await (await fetch(`${server.url}/api/v1/log/entries/0`, { headers: { authorization: `Bearer ${server.adminToken()}` } })).json();
    assert.equal(out.leafHash, (served as { leafHash: string }).leafHash);
  });

  test('log entry N --json prints an appended entry as written, with its acknowledged leaf hash', async () => {
    const out = (await cairn(['log', 'entry', String(first.index), '--json'], env, 0)).json();
    assert.equal(out.index, first.index);
    assert.equal(out.leafHash, first.leafHash);
    assert.equal(out.entry.kind, 'custom.pipeline.step');
    assert.equal(out.entry.subject, 'run:1');
    assert.deepEqual(out.entry.body, firstBody);
    assert.equal(out.entry.actor.id, 'admin');
    assert.equal(Buffer.from(leafHash(canonicalBytes(out.entry))).toString('hex'), first.leafHash);
  });

  test('log prove N --json prints an inclusion proof that verifies against the signed root', async () => {
    const n = first.index + 5;
    const out = (await cairn(['--json', 'log', 'prove', String(n)], env, 0)).json();
    assert.equal(out.verified, true);
    assert.equal(out.index, n);
    assert.ok(out.treeSize > n);
    assert.ok(out.hashes.length > 0);
    verifyInclusion(n, out.treeSize, fromHex(out.leafHash), out.hashes.map(fromHex), fromHex(out.rootHash));
    const entry = (await cairn(['--json', 'log', 'entry', String(n)], env, 0)).json();
    assert.equal(out.leafHash, entry.leafHash);
  });

  test('log consistency A B verifies that a later checkpoint extends an earlier one', async () => {
    const token = server.adminToken();
    await appendEntries(server.url, token, [{ kind: 'custom.x', body: { n: 1 } }, { kind: 'custom.x', body: { n: 2 } }]);
    const a = (await cairn(['--json', 'log', 'checkpoint', '--sign'], env, 0)).json().size as number;
    await appendEntries(server.url, token, [{ kind: 'custom.x', body: { n: 3 } }, { kind: 'custom.x', body: { n: 4 } }, { kind: 'custom.x', body: { n: 5 } }]);
    const b = (await cairn(['--json', 'log', 'checkpoint', '--sign'], env, 0)).json().size as number;
    assert.equal(b, a + 3);
    const out = (await cairn(['--json', 'log', 'consistency', String(a), String(b)], env, 0)).json();
    assert.deepEqual([out.from, out.to, out.verified], [a, b, true]);
    assert.ok(out.hashes.length > 0);
    // With a fresh trust store too: nothing depends on what this machine trusted before.
    const human = await cairn(['log', 'consistency', String(a), String(b)], { ...env, CAIRN_CONFIG_DIR: scratch.dir() }, 0);
    assert.match(human.stdout, /consistent/);
  });

  test('bad usage exits 2 with a message', async () => {
    const cases = [
      ['log', 'entry', 'abc'],
      ['log', 'entry', '-1'],
      ['log', 'entry', '1.5'],
      ['log', 'entry', '0', '--no-such-option'],
      ['--no-such-option', 'log', 'checkpoint'],
      ['log', 'prove'],
      ['log', 'no-such-command'],
      ['log', 'consistency', '5', '3'],
      ['--url', 'not a url', 'log', 'checkpoint'],
    ];
    const runs = await Promise.all(cases.map((args) => runCli(args, { env })));
    runs.forEach((r, i) => {
      assert.equal(r.code, 2, describeRun(cases[i]!, r));
      assert.notEqual(r.stderr, '', `no message for ${cases[i]!.join(' ')}`);
    });
  });

  test('without a token the server refuses: exit 4 and code unauthenticated', async () => {
    const noToken = { ...env, CAIRN_TOKEN_FILE: undefined };
    const json = await cairn(['--json', 'log', 'checkpoint'], noToken, 4);
    assert.equal(json.json().error.code, 'unauthenticated');
    const human = await cairn(['log', 'entry', '0'], noToken, 4);
    assert.match(human.stderr, /\[unauthenticated\]/);
    const wrong = await cairn(['--json', '--token', 'cairn_not-a-real-token', 'log', 'checkpoint'], noToken, 4);
    assert.equal(wrong.json().error.code, 'unauthenticated');
  });

  test('an unreachable server: exit 3', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await cairn(['--json', '--url', url, 'log', 'checkpoint'], env, 3);
    assert.equal(r.json().error.code, 'unreachable');
  });

  test('log prove of an index beyond the tree: exit 4 and code index_out_of_range', async () => {
    const r = await cairn(['--json', 'log', 'prove', '1000000'], env, 4);
    assert.equal(r.json().error.code, 'index_out_of_range');
    const signed = (await signCheckpoint(server.url, server.adminToken())).size;
    const sized = await cairn(['--json', 'log', 'prove', String(signed), '--size', String(signed)], env, 4);
    assert.equal(sized.json().error.code, 'index_out_of_range');
  });
});

/**
 * The offline audit (`log verify --data`) against a store edited behind the server's back. Each
 * case edits its own copy of one stopped store and expects exit 1 with the check that fails
 * and, where it applies, the first index that diverges.
 */
describe('cairn log verify --data on a tampered store', () => {
  let pristine: string;
  const BODY_MARK = 'abcdefgh';
  /** Index of the n-th single-entry request (Cairn's own bootstrap entries come first). */
  const single: number[] = [];
  /** Indices of the one 16-entry request. */
  let batch: number[] = [];
  /** Sizes of the checkpoints signed on request: after the 5th, 12th and 24th single entry. */
  const signed: number[] = [];
  let size = 0;

  before(async () => {
    pristine = scratch.dir();
    const server = await spawnServer({ data: pristine, checkpointInterval: '10m' });
    const token = server.adminToken();
    for (let n = 0; n < 24; n += 1) {
      const appended = await appendEntries(server.url, token, [{ kind: 'custom.tamper', subject: `s${n}`, body: { n, text: BODY_MARK } }]);
      single.push(appended.entries[0]!.index);
      await sleep(3); // entry times are milliseconds: keep these strictly increasing
      if (n + 1 === 5 || n + 1 === 12 || n + 1 === 24) signed.push((await signCheckpoint(server.url, token)).size);
    }
    const appended = await appendEntries(server.url, token, Array.from({ length: 16 }, (_, k) => ({ kind: 'custom.batch', subject: 'batch', body: { k } })));
    batch = appended.entries.map((e) => e.index);
    size = appended.treeSize;
    assert.deepEqual(signed, [single[4]! + 1, single[11]! + 1, single[23]! + 1]);
    assert.equal((await server.stop()).code, 0); // signs the last checkpoint, at `size`
  });

  /** Runs the audit on a copy of the pristine store after `edit`. */
  async function auditAfter(edit: (db: Database.Database) => void): Promise<{ r: CliResult; report: any }> {
    const copy = scratch.dir();
    fs.cpSync(pristine, copy, { recursive: true });
    const db = new Database(path.join(copy, 'cairn.db'));
    try {
      edit(db);
    } finally {
      db.close();
    }
    const args = ['--json', 'log', 'verify', '--data', copy];
    const r = await runCli(args, { env: { CAIRN_CONFIG_DIR: scratch.dir() } });
    return { r, report: r.json() };
  }

  function expectProblem({ r, report }: { r: CliResult; report: any }, check: string, index?: number): void {
    assert.equal(r.code, 1, describeRun(['log', 'verify'], r));
    assert.equal(report.ok, false);
    assert.ok(report.problem, 'no problem reported');
    assert.equal(report.problem.check, check, `problem: ${JSON.stringify(report.problem)}`);
    assert.equal(report.problem.index, index, `problem: ${JSON.stringify(report.problem)}`);
  }

  type Row = { idx: number; kind: string; subject: string | null; time: string; leaf: Buffer; hashes: Buffer };
  const row = (db: Database.Database, idx: number) => db.prepare('select * from log_entries where idx = ?').get(idx) as Row;
  const swap = (db: Database.Database, i: number, j: number, columns: readonly (keyof Row)[]) => {
    const [a, b] = [row(db, i), row(db, j)];
    const set = db.prepare(`update log_entries set ${columns.map((c) => `${c} = ?`).join(', ')} where idx = ?`);
    set.run(...columns.map((c) => b[c]), i);
    set.run(...columns.map((c) => a[c]), j);
  };

  test('the untouched store verifies', async () => {
    const { r, report } = await auditAfter(() => {});
    assert.equal(r.code, 0, describeRun(['log', 'verify'], r));
    assert.equal(report.ok, true);
    assert.equal(report.treeSize, size);
    assert.equal(report.entriesChecked, size);
    assert.ok(report.checkpointsChecked >= signed.length + 1, `only ${report.checkpointsChecked} checkpoints audited`);
  });

  test('--key: the right key passes; another log\'s key fails (exit 1); a malformed key is a usage error (exit 2)', async () => {
    const audit = (key: string) => runCli(['--json', '--key', key, 'log', 'verify', '--data', pristine], { env: { CAIRN_CONFIG_DIR: scratch.dir() } });
    const { report } = await auditAfter(() => {});
    const right = await audit(report.verifierKey);
    assert.equal(right.code, 0, describeRun(['log', 'verify', '--key'], right));
    const [name] = String(report.verifierKey).split('+');
    const other = formatVerifierKey(name!, crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
    const wrong = await audit(other);
    assert.equal(wrong.code, 1, describeRun(['log', 'verify', '--key', other], wrong));
    assert.equal(wrong.json().problem.check, 'key');
    const garbage = await audit('not-a-key');
    assert.equal(garbage.code, 2, describeRun(['log', 'verify', '--key', 'not-a-key'], garbage));
    assert.match(garbage.stdout + garbage.stderr, /--key/);
  });

  test('(a) one flipped byte in a leaf', async () => {
    const i = single[9]!;
    const result = await auditAfter((db) => {
      const { leaf } = row(db, i);
      const at = leaf.indexOf(BODY_MARK);
      assert.ok(at > 0);
      leaf[at + 2]! ^= 0x01; // 'c' → 'b': still canonical JSON, another leaf
      db.prepare('update log_entries set leaf = ? where idx = ?').run(leaf, i);
    });
    expectProblem(result, 'leaf', i);
  });

  test('(b) a row deleted from the middle', async () => {
    const i = single[10]!;
    expectProblem(await auditAfter((db) => db.prepare('delete from log_entries where idx = ?').run(i)), 'row', i);
  });

  test('(c) the leaves and hashes of two rows swapped', async () => {
    const [i, j] = [single[6]!, single[8]!];
    // Row i's subject and time columns no longer describe its leaf.
    expectProblem(await auditAfter((db) => swap(db, i, j, ['leaf', 'hashes'])), 'row', i);
  });

  test('(c′) two whole rows swapped: caught by time order', async () => {
    let i = -1;
    const result = await auditAfter((db) => {
      // Two single entries two apart whose rows store as many nodes (so no row-local check fires):
      // every column matches its leaf, but entry i+1 is now older than the entry before it.
      const k = single.findIndex((a, n) => n >= 6 && single[n + 2] !== undefined && row(db, a).hashes.length === row(db, single[n + 2]!).hashes.length);
      assert.ok(k >= 0);
      i = single[k]!;
      swap(db, i, single[k + 2]!, ['kind', 'subject', 'time', 'leaf', 'hashes']);
    });
    expectProblem(result, 'time', i + 1);
  });

  test('(c″) two whole rows of the same millisecond swapped: caught by the tree', async () => {
    let i = -1;
    const result = await auditAfter((db) => {
      // Two even rows of the one 16-entry request that share a time: swapping them leaves every
      // column, the time order and every row-local hash consistent; only the level-1 node
      // stored in row i+1 (RFC 6962 MTH of leaves i and i+1) no longer matches.
      const rows = batch.map((k) => row(db, k));
      const pair = rows.find((r, k) => r.idx % 2 === 0 && rows[k + 2] !== undefined && rows[k + 2]!.time === r.time);
      assert.ok(pair, 'no two entries of the batch share a millisecond');
      i = pair.idx;
      swap(db, i, i + 2, ['leaf', 'hashes']);
    });
    expectProblem(result, 'node', i + 1);
  });

  test('(d) a stored interior node hash changed', async () => {
    // A row whose index ends in binary 11 stores the leaf and the nodes of levels 1 and 2.
    const i = single.find((k) => k >= single[12]! && k % 4 === 3)!;
    const result = await auditAfter((db) => {
      const { hashes } = row(db, i);
      assert.ok(hashes.length >= 96);
      hashes[64 + 5]! ^= 0xff;
      db.prepare('update log_entries set hashes = ? where idx = ?').run(hashes, i);
    });
    expectProblem(result, 'node', i);
  });

  test("(e) a checkpoint note's signature altered", async () => {
    const target = signed[1]!;
    let before = -1;
    const result = await auditAfter((db) => {
      before = (db.prepare('select count(*) as n from log_checkpoints where size < ?').get(target) as { n: number }).n;
      const { note } = db.prepare('select note from log_checkpoints where size = ?').get(target) as { note: string };
      const m = /\n— (\S+) (\S+)\n$/.exec(note);
      assert.ok(m, note);
      const sig = m[2]!;
      const at = 40; // inside the Ed25519 signature, past the 4-byte key id
      const altered = sig.slice(0, at) + (sig[at] === 'A' ? 'B' : 'A') + sig.slice(at + 1);
      db.prepare('update log_checkpoints set note = ? where size = ?').run(note.replace(sig, altered), target);
    });
    expectProblem(result, 'checkpoint');
    assert.match(result.report.problem.message, new RegExp(`\\b${target}\\b`));
    assert.equal(result.report.checkpointsChecked, before); // the earlier ones verified, this one did not
  });

  test('(f) an extra row at the end, with correct hashes but not in the head', async () => {
    const result = await auditAfter((db) => {
      const rows = db.prepare('select * from log_entries order by idx').all() as Row[];
      const range = new CompactRange();
      for (const r of rows) range.append(leafHash(r.leaf));
      const entry = { kind: 'custom.tamper', actor: { id: 'mallory', type: 'user', auth: 'token' }, time: rows.at(-1)!.time, body: { forged: true } };
      const leaf = canonicalBytes(entry);
      const nodes = range.append(leafHash(leaf));
      db.prepare('insert into log_entries (idx, kind, subject, time, leaf, hashes) values (?, ?, ?, ?, ?, ?)').run(
        rows.length,
        entry.kind,
        null,
        entry.time,
        Buffer.from(leaf),
        Buffer.concat(nodes),
      );
    });
    expectProblem(result, 'head');
  });

  test('(g) the kind column changed', async () => {
    const i = single[14]!;
    expectProblem(await auditAfter((db) => db.prepare("update log_entries set kind = 'custom.other' where idx = ?").run(i)), 'row', i);
  });
});

/**
 * Fork detection: a client that trusted a checkpoint must refuse a server that later presents
 * another history signed with the same key and origin (a restored backup, a rogue replica).
 */
describe('cairn detects a forked log', () => {
  test('same URL, key and origin, different history: log checkpoint and log verify --url exit 1 with fork_detected', { timeout: 90_000 }, async () => {
    const keyFile = path.join(scratch.dir(), 'log.pem');
    const origin = 'cairn.test/fork';
    const config = scratch.dir(); // one trust store across both servers
    const honest = await spawnServer({ data: scratch.dir(), keyFile, origin, checkpointInterval: '10m' });
    const url = honest.url;
    let trusted: { size: number; origin: string };
    try {
      await appendEntries(url, honest.adminToken(), [1, 2, 3].map((n) => ({ kind: 'custom.fork', body: { side: 'honest', n } })));
      trusted = (await cairn(['--json', 'log', 'checkpoint', '--sign'], { CAIRN_CONFIG_DIR: config, CAIRN_URL: url, CAIRN_TOKEN: honest.adminToken() }, 0)).json();
    } finally {
      await honest.stop();
    }
    assert.equal((await honest.exited).code, 0);

    // Another store, signed with the same key under the same origin, served at the same URL.
    const rogue = await spawnServer({ data: scratch.dir(), keyFile, origin, listen: `127.0.0.1:${honest.port}`, checkpointInterval: '10m' });
    try {
      assert.equal(rogue.url, url);
      const token = rogue.adminToken();
      const env = { CAIRN_CONFIG_DIR: config, CAIRN_URL: url, CAIRN_TOKEN: token };

      // The same size as trusted, another root.
      const missing = trusted.size - (await readLog(url, token)).length;
      assert.ok(missing > 0);
      await appendEntries(url, token, Array.from({ length: missing }, (_, n) => ({ kind: 'custom.fork', body: { side: 'rogue', n } })));
      assert.equal((await signCheckpoint(url, token)).size, trusted.size);
      assert.equal((await cairn(['--json', 'log', 'checkpoint'], env, 1)).json().error.code, 'fork_detected');

      // A larger tree, whose consistency proof cannot lead from the trusted root.
      await appendEntries(url, token, [1, 2].map((n) => ({ kind: 'custom.fork', body: { side: 'rogue', more: n } })));
      assert.equal((await signCheckpoint(url, token)).size, trusted.size + 2);
      assert.equal((await cairn(['--json', 'log', 'checkpoint'], env, 1)).json().error.code, 'fork_detected');
      assert.equal((await cairn(['--json', 'log', 'verify', '--url', url], env, 1)).json().error.code, 'fork_detected');
      const human = await cairn(['log', 'verify'], env, 1);
      assert.match(human.stderr, /\[fork_detected\]/);

      // The refusals did not replace what was trusted …
      assert.equal((await cairn(['--json', 'log', 'checkpoint'], env, 1)).json().error.code, 'fork_detected');
      // … and the rogue's checkpoints are validly signed: a client that never saw the honest log accepts them.
      const fresh = (await cairn(['--json', 'log', 'checkpoint'], { ...env, CAIRN_CONFIG_DIR: scratch.dir() }, 0)).json();
      assert.equal(fresh.size, trusted.size + 2);
      assert.equal(fresh.origin, trusted.origin);
    } finally {
      await rogue.stop();
    }
    assert.equal((await rogue.exited).code, 0);
  });
});
