import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildControls } from '../src/exports/controls.js';
import type { ExportFacts } from '../src/exports/facts.js';
import { reportHtml } from '../src/exports/report.js';
import { emptyFacts, HOSTILE, hostileFacts, readmissionFacts } from './helpers/export-facts.js';

// A real browser, not a DOM imitation: Debian's chromium (.ci/run installs it), driven by
// playwright-core. Without it this suite fails; it is never skipped.
const CHROMIUM = '/usr/bin/chromium';

interface Loaded {
  readonly page: Page;
  /** Every request the page attempted (all are blocked). */
  readonly requests: string[];
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
}

describe('report.html in a browser', () => {
  let browser: Browser;

  before(async () => {
    assert.ok(
      fs.existsSync(CHROMIUM),
      `${CHROMIUM} is missing: this test needs Debian's chromium (apt-get install chromium; .ci/run does it). Never "npx playwright install".`,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
  });

  async function load(facts: ExportFacts): Promise<Loaded> {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) => route.abort('blockedbyclient'));
    await page.setContent(reportHtml(facts, buildControls(facts)), { waitUntil: 'load' });
    return { page, requests, errors };
  }

  it('loads with no network request and no console error, showing every section', async () => {
    const { page, requests, errors } = await load(readmissionFacts());
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.ok(await page.getByRole('heading', { level: 1, name: 'Compliance package report' }).isVisible());
    for (const name of ['How to verify this package', 'Summary', 'Models and versions', 'Data lineage', 'Deployments and rollbacks', 'Policy versions in force', 'Evidence files', 'Timeline', 'Controls mapping']) {
      assert.ok(await page.getByRole('heading', { level: 2, name, exact: true }).isVisible(), name);
    }
    assert.ok(await page.getByRole('heading', { level: 3, name: /Model readmission-risk/ }).isVisible());
    assert.ok(await page.getByRole('columnheader', { name: 'Reviewer' }).first().isVisible());
    assert.equal(await page.locator('script, img, iframe, object, embed, link').count(), 0);
    await page.close();
  });

  it('renders hostile strings as text: nothing is injected', async () => {
    const { page, requests, errors } = await load(hostileFacts());
    assert.deepEqual(requests, [], 'the injected <img src=x> would have been a request');
    assert.deepEqual(errors, []);
    assert.equal(await page.locator('script, img, b').count(), 0);
    const text = await page.locator('body').innerText();
    for (const s of Object.values(HOSTILE)) assert.ok(text.includes(s), `shown verbatim: ${s}`);
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
    await page.close();
  });

  it('prints to PDF, hiding the on-screen navigation', async () => {
    const { page, requests } = await load(readmissionFacts());
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.getByRole('navigation', { name: 'Contents' }).isVisible(), false);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
    assert.ok(pages.length >= 3, `each main section starts a page (${pages.length} pages)`);
    assert.deepEqual(requests, []);
    await page.close();
  });

  it('renders an empty scope', async () => {
    const { page, requests, errors } = await load(emptyFacts());
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
    assert.ok(await page.getByText('None in scope.').first().isVisible());
    assert.ok((await page.pdf()).length > 0);
    await page.close();
  });
});
