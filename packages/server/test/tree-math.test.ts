import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consistencyPlan, inclusionPlan, nodeLocation, rangeNodes, slotsInRow, splitPoint } from '../src/ledger/tree-math.js';

describe('tree math', () => {
  it('stores node (level, index) in the row of its last leaf, at slot = level', () => {
    assert.deepEqual(nodeLocation({ level: 0, index: 5 }), { row: 5, offset: 0 });
    assert.deepEqual(nodeLocation({ level: 1, index: 0 }), { row: 1, offset: 32 });
    assert.deepEqual(nodeLocation({ level: 3, index: 1 }), { row: 15, offset: 96 });
  });

  it('every node has exactly one home row, and each row holds its leaf plus one node per trailing one bit', () => {
    const n = 64;
    const homes = new Map<number, number>();
    for (let level = 0; 2 ** level <= n; level += 1) {
      for (let index = 0; (index + 1) * 2 ** level <= n; index += 1) {
        const { row, offset } = nodeLocation({ level, index });
        assert.ok(offset / 32 < slotsInRow(row), `node ${level}/${index} fits in row ${row}`);
        homes.set(row, (homes.get(row) ?? 0) + 1);
      }
    }
    for (let row = 0; row < n; row += 1) assert.equal(homes.get(row), slotsInRow(row));
  });

  it('splits at the largest power of two below n (RFC 9162 §2.1.1)', () => {
    assert.deepEqual([2, 3, 4, 5, 8, 9, 1000].map(splitPoint), [1, 2, 2, 4, 4, 8, 512]);
  });

  it('covers a range with perfect subtrees, largest first', () => {
    assert.deepEqual(rangeNodes(0, 7), [{ level: 2, index: 0 }, { level: 1, index: 2 }, { level: 0, index: 6 }]);
    assert.deepEqual(rangeNodes(8, 11), [{ level: 1, index: 4 }, { level: 0, index: 10 }]);
    assert.deepEqual(rangeNodes(4, 4), []);
  });

  it('plans proofs of the lengths RFC 9162 gives', () => {
    assert.equal(inclusionPlan(0, 1).length, 0);
    assert.equal(inclusionPlan(3, 8).length, 3);
    assert.equal(inclusionPlan(6, 7).length, 2); // the 7th leaf is paired late: D[6] has sibling subtrees [4,6) and [0,4)
    assert.equal(consistencyPlan(4, 8).length, 1);
    assert.equal(consistencyPlan(3, 7).length, 4);
    assert.deepEqual(consistencyPlan(0, 5), []);
    assert.deepEqual(consistencyPlan(5, 5), []);
  });
});
