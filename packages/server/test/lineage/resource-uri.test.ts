import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResourceUriError, imageUri, repositoryUri } from '../../src/lineage/resource-uri.js';

const D = 'c'.repeat(64);

describe('resource URIs for lineage bundles', () => {
  it('writes repositories as git VCS URIs, converting git’s scp-like form', () => {
    const cases: [string, string][] = [
      ['git@git.internal:ml/demo.git', 'git+ssh://git@git.internal/ml/demo.git'],
      ['git@GitHub.com:Org/Repo.git', 'git+ssh://git@github.com/Org/Repo.git'],
      ['host.internal:~erin/ml.git', 'git+ssh://host.internal/~erin/ml.git'],
      ['https://git.internal/ml/x.git', 'git+https://git.internal/ml/x.git'],
      ['ssh://git@GIT.internal:2222/ml/x.git', 'git+ssh://git@git.internal:2222/ml/x.git'],
      ['git+https://git.internal/ml/x', 'git+https://git.internal/ml/x'],
      ['git://git.internal/x.git', 'git://git.internal/x.git'],
    ];
    for (const [given, uri] of cases) assert.equal(repositoryUri(given), uri, given);
    for (const bad of ['demo.git', 'ftp://x/y', 'https://x/a b', 'C:\\repos\\x', '']) assert.throws(() => repositoryUri(bad), ResourceUriError, bad);
  });

  it('writes images as oci://registry/repository@sha256:…, reading names as the docker client does', () => {
    const cases: [string, string][] = [
      ['registry.internal/ml/train:2.4', `oci://registry.internal/ml/train@sha256:${D}`],
      ['Registry.Internal:5000/ml/train', `oci://registry.internal:5000/ml/train@sha256:${D}`],
      ['localhost/train', `oci://localhost/train@sha256:${D}`],
      ['pytorch/pytorch:2.4', `oci://docker.io/pytorch/pytorch@sha256:${D}`],
      ['ubuntu', `oci://docker.io/library/ubuntu@sha256:${D}`],
      [`oci://registry.internal/ml/train@sha256:${D}`, `oci://registry.internal/ml/train@sha256:${D}`],
    ];
    for (const [given, uri] of cases) assert.equal(imageUri(given, D), uri, given);
    assert.throws(() => imageUri(`registry.internal/ml/train@sha256:${'d'.repeat(64)}`, D), /pinned to sha256:d/);
    for (const bad of ['registry.internal/ML/train', 'a b', 'registry.internal/ml/train:', '']) assert.throws(() => imageUri(bad, D), ResourceUriError, bad);
  });
});
