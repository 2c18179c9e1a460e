#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/test/**/*.test.js) with node's test runner.
// `npm test` builds first (pretest). Pass file-name filters to run a subset:
//   npm test -- ledger http
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const filters = process.argv.slice(2);

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return walk(p);
    return d.name.endsWith('.test.js') ? [p] : [];
  });
}

const files = fs
  .readdirSync(path.join(root, 'packages'))
  .flatMap((pkg) => walk(path.join(root, 'packages', pkg, 'dist', 'test')))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}

if (process.env.CI && !process.env.CAIRN_TEST_DATABASE_URL) {
  console.error('CI=true but CAIRN_TEST_DATABASE_URL is not set: the PostgreSQL store suite would not run');
  process.exit(1);
}

// Prerequisites the selected files need, each missing one named with a one-line fix.
const missing = [];
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
try {
  const Database = createRequire(path.join(root, 'packages', 'server', 'package.json'))('better-sqlite3');
  new Database(':memory:').close();
} catch (err) {
  const wrongAbi = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(String(err?.message));
  if (wrongAbi) {
    missing.push(`better-sqlite3 was built for another Node.js than ${process.version}: run \`npm rebuild better-sqlite3\` with this node first in PATH`);
  } else if (!onPath('c++') || !onPath('make') || !onPath('python3')) {
    missing.push('better-sqlite3 is not built and there is no C++ toolchain to build it: install one (Debian: apt-get install build-essential python3), then `npm rebuild better-sqlite3`');
  } else {
    missing.push(`better-sqlite3 does not load (${String(err?.message).split('\n')[0]}): run \`npm rebuild better-sqlite3\``);
  }
}
if (files.some((f) => f.includes('browser')) && !fs.existsSync('/usr/bin/chromium')) {
  missing.push("the report browser test needs Debian's chromium at /usr/bin/chromium: apt-get install chromium (never `npx playwright install`)");
}
if (files.some((f) => f.includes('nginx')) && !onPath('nginx')) {
  missing.push("the replicas test runs Debian's nginx: apt-get install nginx");
}
if (missing.length > 0) {
  console.error(`npm test cannot run the selected suites; missing:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
  process.exit(1);
}

// Files that time the server (a latency bound the issue sets) run last, alone, so that another
// test file's load on this 2-core machine is not what they measure.
const ALONE = ['large-manifest.test.js'];
const alone = files.filter((f) => ALONE.some((a) => f.endsWith(a)));
const together = files.filter((f) => !alone.includes(f));
const env = { ...process.env, CAIRN_LOG_LEVEL: process.env.CAIRN_LOG_LEVEL ?? 'silent' };
const run = (list, concurrency) => (list.length === 0 ? 0 : (spawnSync(process.execPath, ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...list], { stdio: 'inherit', env }).status ?? 1));
const first = run(together, 2);
const second = run(alone, 1);
process.exit(first !== 0 ? first : second);
