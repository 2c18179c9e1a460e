import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPolicy } from '../../src/policy/index.js';
import { edit, examplePolicy, issuesOf, MINI, placeOf, where } from './fixtures.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const CLOSED_REQUIREMENTS = '    workload_requirements:\n      signed_images: true\n      encrypted_volumes: true\n      runtime_identity: true\n';

/** MINI with an `admission` section under the closed zone (signed_images: true). */
const withRules = (rules: string) => edit(MINI, CLOSED_REQUIREMENTS, `${CLOSED_REQUIREMENTS}    admission:\n${rules}`);

describe('admission image rules in a policy pack', () => {
  it('loads an allow-list of repositories with digests, and trusted repository prefixes', () => {
    const policy = loadPolicy(withRules(`      image_allow_list:\n        - repository: registry.internal/serving/triton\n          digests: [${D1}, ${D2}]\n      trusted_repository_prefixes: [registry.internal/platform/, localhost:5000/]\n`));
    assert.deepEqual(policy.pack.zones['closed']!.admission, {
      image_allow_list: [{ repository: 'registry.internal/serving/triton', digests: [D1, D2] }],
      trusted_repository_prefixes: ['registry.internal/platform/', 'localhost:5000/'],
    });
    assert.ok(examplePolicy().pack.zones['hipaa-ai']!.admission!.image_allow_list!.length > 0, 'the example allows its serving runtime in hipaa-ai');
  });

  it('refuses a tag, a short name, a digest of another algorithm and a prefix without "/", each at its line', () => {
    const source = withRules(
      [
        '      image_allow_list:',
        '        - repository: registry.internal/serving/triton:24.08',
        `          digests: [${D1}]`,
        '        - repository: python',
        '          digests: [sha512:abc]',
        '      trusted_repository_prefixes: [registry.internal/platform]',
        '',
      ].join('\n'),
    );
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [
      { ...where(source, 'registry.internal/serving/triton:24.08'), path: '/zones/closed/admission/image_allow_list/0/repository' },
      { ...where(source, 'python'), path: '/zones/closed/admission/image_allow_list/1/repository' },
      { ...where(source, 'sha512:abc'), path: '/zones/closed/admission/image_allow_list/1/digests/0' },
      { ...where(source, 'registry.internal/platform]'), path: '/zones/closed/admission/trusted_repository_prefixes/0' },
    ]);
    assert.match(issues[0]!.message, /^must be an image repository with its registry and no tag or digest/);
    assert.match(issues[1]!.message, /docker\.io\/library\/python/);
    assert.match(issues[2]!.message, /^must be an image digest: sha256: and 64 lower-case hex digits/);
    assert.match(issues[3]!.message, /ending with "\/"/);
  });

  it('refuses an entry without digests, an unknown key, and the same repository twice', () => {
    const source = withRules(
      [
        '      image_allow_list:',
        '        - repository: registry.internal/a/b',
        '          digests: []',
        '        - repository: registry.internal/a/b',
        `          digest: [${D1}]`,
        '',
      ].join('\n'),
    );
    const issues = issuesOf(source);
    const messages = issues.map((i) => `${i.path}: ${i.message}`);
    assert.ok(messages.includes('/zones/closed/admission/image_allow_list/0/digests: must list at least 1 item'), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('/zones/closed/admission/image_allow_list/1/digest: unknown key "digest" (did you mean "digests"?)')), messages.join('\n'));
    assert.ok(messages.includes('/zones/closed/admission/image_allow_list/1/repository: repository registry.internal/a/b is already listed at position 1; list it once'), messages.join('\n'));
    assert.ok(issues.every((i) => i.line > 0), 'every issue has a line');
  });

  it('refuses image rules in a zone that does not require signed images: they would never apply', () => {
    const open = '    workload_requirements:\n      signed_images: false\n      encrypted_volumes: false\n      runtime_identity: false\n';
    const source = edit(MINI, open, `${open}    admission:\n      trusted_repository_prefixes: [registry.internal/]\n`);
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [{ ...where(source, 'admission:'), path: '/zones/open/admission' }]);
    assert.match(issues[0]!.message, /signed_images is false, so admission does not apply them/);
  });
});
