import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePrincipalId } from '../../src/auth/person.js';

/**
 * Red team: OIDC subjects may be any Unicode, and separation of duties compares the normalised
 * ids. Two spellings a case fold (or the documented width mapping) makes one must be one person.
 */
describe('red team: principal id normalisation', () => {
  const same = (a: string, b: string) => assert.equal(normalisePrincipalId(a), normalisePrincipalId(b), `${JSON.stringify(a)} and ${JSON.stringify(b)} are one name`);

  it('case, composition and width: the documented examples', () => {
    same('Erin', 'erin');
    same('\u00c9rin', 'e\u0301rin');
    same('ｅｒｉｎ', 'erin'); // the doc comment's own example
    same('ＥＲＩＮ', 'Erin');
  });

  it('a case fold, not lower-casing: final sigma, sharp s, Kelvin sign', () => {
    same('ERINΣ', 'erinσ'); // toLowerCase gives erinς for the first
    same('erinς', 'erinσ');
    same('Straße', 'STRASSE');
    same('Straẞe', 'strasse');
    same('\u212Aelvin', 'kelvin');
  });

  it('idempotent, and ASCII ids are only lower-cased', () => {
    for (const x of ['Erin', 'ERINΣ', 'Straẞe', 'ｅｒｉｎ', 'İstanbul', 'ǅemal', 'ﬁona', 'admin-bot', 'a.b@c:d']) {
      const y = normalisePrincipalId(x);
      assert.equal(normalisePrincipalId(y), y, x);
    }
    assert.equal(normalisePrincipalId('Admin-Bot.1@Corp:X'), 'admin-bot.1@corp:x');
  });
});
