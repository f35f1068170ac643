import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIRST_HOLD_MS, RAMP_UP_MS, SendQuality, type SendLevel } from './SendQuality.ts';

/** A SendQuality fed one sample every 2 s from `start`; the levels it chose, with their times. */
function setup() {
  const changes: { level: SendLevel; at: number }[] = [];
  let now = 0;
  const q = new SendQuality((level) => changes.push({ level, at: now }));
  q.published(0);
  now = RAMP_UP_MS;
  const feed = (kbps: (number | undefined)[]) => {
    for (const k of kbps) {
      q.sample(now, k);
      now += 2_000;
    }
  };
  return { q, changes, feed, at: () => now };
}

describe('SendQuality', () => {
  test('a good estimate keeps the full layer', () => {
    const { q, changes, feed } = setup();
    feed([800, 1200, 750, 900]);
    assert.equal(q.level, 'full');
    assert.deepEqual(changes, []);
  });

  test('while the estimate still ramps up after publishing, nothing is judged', () => {
    const changes: SendLevel[] = [];
    const q = new SendQuality((l) => changes.push(l));
    q.published(0);
    for (let t = 0; t < RAMP_UP_MS; t += 2_000) q.sample(t, 250);
    assert.deepEqual(changes, []);
  });

  test('an estimate that cannot carry the full layer, twice: small layer only; back once it recovers', () => {
    const { q, changes, feed } = setup();
    feed([300]);
    assert.equal(q.level, 'full', 'one weak sample is not enough');
    feed([250]);
    assert.equal(q.level, 'small-only');
    feed([200, 350, 500]);
    assert.equal(q.level, 'small-only', 'not back on a middling estimate within the hold');
    feed([700]);
    assert.deepEqual(changes.map((c) => c.level), ['small-only', 'full']);
  });

  test('without a better estimate the full layer is tried again after the hold, and a failed try doubles it', () => {
    const { q, changes, feed } = setup();
    feed([200, 200]);
    const down = changes[0]!.at;
    feed(Array(FIRST_HOLD_MS / 2_000).fill(200));
    assert.equal(changes[1]?.level, 'full');
    assert.equal(changes[1]!.at - down, FIRST_HOLD_MS, 'tried after the first hold');
    feed([200]);
    assert.equal(q.level, 'small-only', 'a failed try comes straight back');
    const second = changes[2]!.at;
    feed(Array(FIRST_HOLD_MS).fill(200));
    assert.equal(changes[3]!.at - second, 2 * FIRST_HOLD_MS, 'the next try waits twice as long');
  });

  test('no estimate (a browser that reports none): nothing changes', () => {
    const { q, changes, feed } = setup();
    feed([undefined, undefined, undefined]);
    assert.equal(q.level, 'full');
    assert.deepEqual(changes, []);
  });
});
