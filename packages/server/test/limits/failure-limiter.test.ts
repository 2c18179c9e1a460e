import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureLimiter } from '../../src/auth/failure-limiter.js';

describe('FailureLimiter', () => {
  it('throttles a client past the limit until its window ends, then starts afresh', () => {
    const limiter = new FailureLimiter(3, 1000);
    assert.deepEqual([1, 2, 3].map((i) => limiter.record('10.0.0.1', `c${i}`, 0)), [0, 0, 0]);
    assert.equal(limiter.record('10.0.0.1', 'c4', 400), 600);
    assert.equal(limiter.record('10.0.0.2', 'c5', 400), 0, 'another client has its own count');
    assert.equal(limiter.record('10.0.0.1', 'c6', 1000), 0, 'a new window');
    assert.equal(limiter.total, 6);
  });

  it('throttles one credential failing from many clients', () => {
    const limiter = new FailureLimiter(2, 1000);
    assert.deepEqual(['a', 'b', 'c'].map((client) => limiter.record(client, 'same', 10)), [0, 0, 1000]);
    assert.equal(limiter.record('d', undefined, 10), 0, 'a malformed header counts for its client only');
  });
});
