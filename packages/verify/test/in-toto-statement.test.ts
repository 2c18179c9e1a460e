import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isResourceUri, isTimestamp, statementIssues } from '../src/index.js';

const payload = (file: string) => JSON.parse(Buffer.from(JSON.parse(readFileSync(new URL(`../../test/fixtures/in-toto/${file}`, import.meta.url), 'utf8')).payload, 'base64').toString('utf8'));

/** A SLSA Provenance v1 statement built from the spec's own example values (build-provenance.md). */
function provenance(): any {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'hello-world', digest: { sha256: 'a'.repeat(64) } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
        externalParameters: { repository: 'https://github.com/octocat/hello-world', ref: 'refs/heads/main' },
        resolvedDependencies: [{ uri: 'git+https://github.com/octocat/hello-world@refs/heads/main', digest: { gitCommit: '7fd1a60b01f91b314f59955a4e4d4e80d8edf11d' } }],
      },
      runDetails: { builder: { id: 'https://cloudbuild.googleapis.com/GoogleHostedWorker@v1' }, metadata: { invocationId: 'x', startedOn: '1985-04-12T23:20:50.52Z' } },
    },
  };
}

describe('in-toto Statement v1 and SLSA Provenance v1 rules', () => {
  it('accepts a third party’s Statement v1 (a VSA with a non-standard digest algorithm) and the spec’s provenance example', () => {
    assert.deepEqual(statementIssues(payload('vsa-gke-gce-pre.bcid-vsa.dsse.json')), []);
    assert.deepEqual(statementIssues(provenance()), []);
  });

  it('refuses a Statement v0.1', () => {
    assert.deepEqual(statementIssues(payload('slsa-v0.2-annotated-tag.dsse.json')), ['_type: "https://in-toto.io/Statement/v0.1", not https://in-toto.io/Statement/v1']);
  });

  it('names each broken field rule', () => {
    const p = provenance();
    p.subject.push({ name: 'no digest' });
    p.predicate.buildDefinition.resolvedDependencies.push({ uri: 'git@git.internal:ml/demo.git', digest: { gitCommit: '1a2b3c4d' } }, { name: 'nothing' }, { digest: { sha256: 'A'.repeat(64) } });
    p.predicate.buildDefinition.buildType = 'training';
    delete p.predicate.buildDefinition.externalParameters;
    p.predicate.runDetails.metadata.finishedOn = '2026-12-01 10:00:00';
    p.predicate.runDetails.byproducts = [{ name: 'metrics', content: 'not base64!', mediaType: 'json' }];
    assert.deepEqual(statementIssues(p), [
      'subject[1]: a ResourceDescriptor MUST specify one of uri, digest or content',
      'subject[1].digest: every subject MUST have digest set',
      'predicate.buildDefinition.buildType: "training" is not an RFC 3986 URI with lowercase scheme and authority',
      'predicate.buildDefinition.externalParameters: required, an object',
      'predicate.buildDefinition.resolvedDependencies[1].uri: "git@git.internal:ml/demo.git" is not an RFC 3986 URI with lowercase scheme and authority',
      'predicate.buildDefinition.resolvedDependencies[1].digest.gitCommit: gitCommit is 40 or 64 hex digits, not 8',
      'predicate.buildDefinition.resolvedDependencies[2]: a ResourceDescriptor MUST specify one of uri, digest or content',
      'predicate.buildDefinition.resolvedDependencies[3].digest.sha256: sha256 is lowercase hex',
      'predicate.runDetails.metadata.finishedOn: "2026-12-01 10:00:00" is not an RFC 3339 UTC timestamp',
      'predicate.runDetails.byproducts[0].content: bytes, as standard base64',
      'predicate.runDetails.byproducts[0].mediaType: a MIME type',
    ]);
    assert.deepEqual(statementIssues({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'https://slsa.dev/provenance/v1' }), [
      'subject: required, one or more ResourceDescriptors',
      'predicate: SLSA Provenance v1 is an object',
    ]);
  });

  it('reads URIs as RFC 3986 does, case-normalised as in-toto requires', () => {
    for (const ok of ['git+ssh://git@git.internal/ml/demo.git@' + 'a'.repeat(40), 'oci://registry.internal/ml/train@sha256:' + 'b'.repeat(64), 'pkg:deb/debian/stunnel@5.50-3?arch=amd64', 'cairn:dataset/ehr@sha256:00', 'https://[::1]:8080/x', 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66']) {
      assert.ok(isResourceUri(ok), ok);
    }
    for (const bad of ['git@git.internal:ml/demo.git', 'registry.internal/ml/train:1', 'https://git.internal/a b', 'HTTPS://x.example/', 'https://Git.Internal/x', '', '1http://x', 'https://x/%zz']) {
      assert.ok(!isResourceUri(bad), bad);
    }
  });

  it('reads timestamps as RFC 3339 in UTC', () => {
    for (const ok of ['1985-04-12T23:20:50.52Z', '2024-02-29T00:00:00Z', '2016-12-31T23:59:60Z']) assert.ok(isTimestamp(ok), ok);
    for (const bad of ['1985-04-12T23:20:50.52+01:00', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01', 1700000000]) assert.ok(!isTimestamp(bad), String(bad));
  });
});
