import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseImageReference } from '../../src/deployments/admission/image-reference.js';

const HEX = 'c'.repeat(64);

describe('image references, resolved as the container runtime does (distribution/reference)', () => {
  it('puts short names on Docker Hub, one-component ones under library/', () => {
    assert.deepEqual(parseImageReference('python:3.12'), { repository: 'docker.io/library/python', tag: '3.12', digest: undefined });
    assert.deepEqual(parseImageReference('curlimages/curl'), { repository: 'docker.io/curlimages/curl', tag: undefined, digest: undefined });
    assert.equal(parseImageReference('index.docker.io/library/python:3.12').repository, 'docker.io/library/python');
    assert.equal(parseImageReference('docker.io/python').repository, 'docker.io/library/python');
  });

  it('recognises a registry by a dot, a port or localhost', () => {
    assert.equal(parseImageReference('registry.internal/serving/triton:24.08').repository, 'registry.internal/serving/triton');
    assert.deepEqual(parseImageReference('myreg:5000/team/app:1'), { repository: 'myreg:5000/team/app', tag: '1', digest: undefined });
    assert.equal(parseImageReference('localhost/app').repository, 'localhost/app');
    assert.equal(parseImageReference('team/app').repository, 'docker.io/team/app', 'a first component without dot or port is a Docker Hub namespace');
  });

  it('is pinned only by a canonical sha256 digest, which wins over a tag beside it', () => {
    assert.deepEqual(parseImageReference(`registry.internal/a/b:1.0@sha256:${HEX}`), { repository: 'registry.internal/a/b', tag: '1.0', digest: `sha256:${HEX}` });
    assert.equal(parseImageReference(`registry.internal/a/b@sha256:${HEX.toUpperCase()}`).digest, undefined);
    assert.equal(parseImageReference(`registry.internal/a/b@sha512:${HEX}${HEX}`).digest, undefined);
    assert.equal(parseImageReference(`registry.internal/a/b@sha256:${HEX.slice(1)}`).digest, undefined);
    assert.equal(parseImageReference('').digest, undefined);
  });
});
