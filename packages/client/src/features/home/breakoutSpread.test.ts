// The random spread of the breakout plan editor: even rooms, random order, room names completed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { roomsForSpread, spreadEvenly } from './breakoutSpread.ts';

/** A repeatable random source (a linear congruential generator). */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('spreadEvenly', () => {
  test('room sizes differ by one at most, and every person has a room in range', () => {
    for (const [count, n] of [[0, 3], [1, 3], [7, 3], [30, 4], [5, 5], [4, 10]] as const) {
      const rooms = spreadEvenly(count, n, seeded(count * 31 + n));
      assert.equal(rooms.length, count);
      const sizes = Array.from({ length: n }, (_, r) => rooms.filter((x) => x === r).length);
      assert.ok(rooms.every((r) => Number.isInteger(r) && r >= 0 && r < n));
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${count} over ${n}: ${sizes.join(',')}`);
    }
  });

  test('the order is random: two seeds give two different spreads, one seed the same', () => {
    assert.notDeepEqual(spreadEvenly(20, 4, seeded(1)), spreadEvenly(20, 4, seeded(2)));
    assert.deepEqual(spreadEvenly(20, 4, seeded(3)), spreadEvenly(20, 4, seeded(3)));
    assert.notDeepEqual(spreadEvenly(20, 4, seeded(1)), Array.from({ length: 20 }, (_, i) => i % 4), 'not just in list order');
  });

  test('refuses zero rooms', () => {
    assert.throws(() => spreadEvenly(3, 0));
  });
});

describe('roomsForSpread', () => {
  const label = (k: number) => `Room ${k}`;
  test('creates Room 1…N when there are none', () => {
    assert.deepEqual(roomsForSpread([], 3, label), { rooms: ['Room 1', 'Room 2', 'Room 3'], added: 3 });
  });
  test('keeps the rooms there are, and completes them with names not taken', () => {
    assert.deepEqual(roomsForSpread(['room 1', 'Lab'], 4, label), { rooms: ['room 1', 'Lab', 'Room 2', 'Room 3'], added: 2 });
    assert.deepEqual(roomsForSpread(['A', 'B', 'C'], 2, label), { rooms: ['A', 'B', 'C'], added: 0 });
  });
});
