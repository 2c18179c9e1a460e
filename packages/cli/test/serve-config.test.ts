import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { describeRun, runCli } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

describe('cairn serve refuses a configuration it cannot use', () => {
  const cases: Array<[string, (dir: string) => string[], RegExp]> = [
    ['an invalid policy pack', (dir) => (fs.writeFileSync(path.join(dir, 'bad.yaml'), 'version: 1\nname: x\n'), ['--policy', path.join(dir, 'bad.yaml')]), /bad\.yaml:1:1: \/zones: missing required key "zones"/],
    ['a missing policy file', (dir) => ['--policy', path.join(dir, 'nope.yaml')], /nope\.yaml: cannot read/],
    ['an incomplete OIDC configuration', (dir) => (fs.writeFileSync(path.join(dir, 'oidc.json'), '{}'), ['--oidc-config', path.join(dir, 'oidc.json')]), /"issuer" is required/],
  ];
  for (const [name, args, message] of cases) {
    it(`exits 2 (configuration_refused) on ${name}, without listening`, async () => {
      const dir = scratch.dir();
      const argv = ['serve', '--data', path.join(dir, 'data'), '--listen', '127.0.0.1:0', ...args(dir)];
      const r = await runCli(argv, { env: { CAIRN_CONFIG_DIR: dir }, timeoutMs: 20_000 });
      assert.equal(r.code, 2, describeRun(argv, r));
      assert.match(r.stderr, message);
      assert.match(r.stderr, /\[configuration_refused\]/);
      assert.doesNotMatch(r.stderr, /Cairn listening/);
    });
  }
});
