import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { readTar, statementIssues } from '@cairn/verify';
import { childEnv } from './helpers/run-cli.js';

/** `npm run demo` (scripts/demo.mjs) in own-server mode: the whole factory, then the offline verdict. */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DEMO = path.join(ROOT, 'scripts', 'demo.mjs');

const STEPS = [
  'Ingest a raw EHR extract into quarantine',
  'Certify it (data steward)',
  'Derive the training set, with exclusions',
  'Train, and sign the lineage bundle',
  'Register the model (tier high) and version 1.0.0 with its evidence',
  'The author tries to approve her own model',
  'Three reviewers approve',
  'Place it in standard-ai',
  'Deploy to hipaa-ai',
  'Ship version 1.1.0, then roll back in one call',
  'Export the compliance package (auditor)',
  'Verify the package offline',
];

function runDemo(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // childEnv strips CAIRN_URL and CAIRN_TOKEN: the demo starts and stops its own server.
    const child = spawn(process.execPath, [DEMO, ...args], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGINT'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run demo', () => {
  it('plays the factory end to end and ends with the verifier’s verdict', { timeout: 180_000 }, async (t) => {
    const r = await playsTheFactory(t, []);
    assert.match(r.stdout, /^server http:\/\/127\.0\.0\.1:\d+ \(started for this demo\)/m);
  });

  it('plays the same story over HTTPS with --tls, every client trusting only the run’s own CA', { timeout: 180_000 }, async (t) => {
    const r = await playsTheFactory(t, ['--tls']);
    assert.match(r.stdout, /^server https:\/\/127\.0\.0\.1:\d+ \(started for this demo, TLS with the CA in \S+demo-hospital-ca\.crt\)/m);
  });

  it('explains itself with --help', async () => {
    const r = await runDemo(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /CAIRN_URL/);
    assert.match(r.stdout, /--keep/);
    assert.match(r.stdout, /--tls/);
  });
});

/** Runs the demo in own-server mode and checks the story and the verdict. */
async function playsTheFactory(t: TestContext, extra: readonly string[]) {
  const r = await runDemo(['--keep', ...extra]);
  const kept = /kept (\S+): the package is (\S+?);/.exec(r.stdout);
  t.after(() => kept && fs.rmSync(kept[1]!, { recursive: true, force: true }));
  const output = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, output);
  STEPS.forEach((title, i) => assert.ok(r.stdout.includes(`${String(i + 1).padStart(2)}. ${title}\n`), `step ${i + 1} "${title}" is printed\n${output}`));
  assert.match(r.stdout, /erin .*REFUSED separation_of_duties/, 'the author’s approval is refused');
  assert.match(r.stdout, /standard-ai\/prod: REFUSED deployment_refused/, 'the placement in standard-ai is refused');
  assert.match(r.stdout, /data_class\.allowed_zones: ePHI may only be placed in hipaa-ai/, 'the refusal gives the ePHI reason');
  assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colour when stdout is not a terminal');
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines.at(-1)!, /^VERIFIED: /, output);

  // Every lineage bundle the demo made, as the package carries it, passes the in-toto / SLSA rules.
  assert.ok(kept, output);
  const bundles = [...readTar(kept[2]!)].filter((m) => m.path.endsWith('.dsse.json'));
  assert.ok(bundles.length >= 1, 'the package carries the lineage bundles');
  for (const m of bundles) {
    const envelope = JSON.parse(m.data!.toString('utf8'));
    assert.deepEqual(statementIssues(JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'))), [], m.path);
  }
  return r;
}
