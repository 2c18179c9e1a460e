// Rewrites the table in docs/errors.md from the error catalogue (packages/server/src/errors/catalog.ts).
// Run after `npm run build`: `npm run docs:errors`. A test (errors-doc.test.ts) fails if they drift.
import fs from 'node:fs';
import { ERROR_CATALOG } from '../packages/server/dist/src/errors/catalog.js';

const file = new URL('../docs/errors.md', import.meta.url);
const doc = fs.readFileSync(file, 'utf8');
const header = '| code | HTTP status | meaning |\n| --- | --- | --- |\n';
const start = doc.indexOf(header);
if (start < 0) throw new Error('docs/errors.md has no catalogue table');
let end = start + header.length;
while (doc.startsWith('| `', end)) end = doc.indexOf('\n', end) + 1;
const rows = Object.entries(ERROR_CATALOG).map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning} |\n`);
fs.writeFileSync(file, doc.slice(0, start) + header + rows.join('') + doc.slice(end));
console.log(`docs/errors.md: ${rows.length} codes`);
