import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIRST_HOLD_MS, MAX_HOLD_MS, ReceiveQuality, type ReceiveLevel, type VideoSample } from './ReceiveQuality.ts';

const good: VideoSample = { fps: 20, loss: 0 };
const frozen: VideoSample = { fps: 0, loss: 0.4 };
const lossy: VideoSample = { fps: 12, loss: 0.2 };

function run() {
  const changes: [ReceiveLevel, ReceiveLevel][] = [];
  const q = new ReceiveQuality((level, before) => changes.push([before, level]));
  let t = 0;
  /** n samples, 2 s apart. */
  const feed = (n: number, videos: VideoSample[]) => {
    for (let i = 0; i < n; i++) q.sample((t += 2_000), videos);
  };
  return { q, changes, feed, now: () => t };
}

describe('ReceiveQuality', () => {
  test('a good link stays at full', () => {
    const { q, feed, changes } = run();
    feed(30, [good, good]);
    assert.equal(q.level, 'full');
    assert.deepEqual(changes, []);
  });

  test('one weak sample (a keyframe wait) is not enough; two in a row step down to the small layer', () => {
    const { q, feed } = run();
    feed(1, [frozen, frozen]);
    assert.equal(q.level, 'full');
    feed(1, [good, good]);
    feed(1, [frozen, lossy]);
    assert.equal(q.level, 'full');
    feed(1, [lossy, lossy]);
    assert.equal(q.level, 'small');
  });

  test('still weak at the small layer: audio only; audio-only is never judged weak (no video to judge)', () => {
    const { q, feed, changes } = run();
    feed(2, [frozen]);
    // The first sample after stepping down is passed over: the small layer's keyframe is on its way.
    feed(2, [frozen]);
    assert.equal(q.level, 'small');
    feed(1, [frozen]);
    assert.equal(q.level, 'audio-only');
    feed(1, []);
    assert.deepEqual(changes, [['full', 'small'], ['small', 'audio-only']]);
  });

  test('climbs back one step after holding steady, and from small to full within 15 s of the link recovering', () => {
    const { q, feed, now } = run();
    feed(2, [frozen]);
    assert.equal(q.level, 'small');
    const recovered = now();
    feed(1, [good]);
    const level = (): ReceiveLevel => q.level;
    while (level() !== 'full') feed(1, [good]);
    assert.ok(now() - recovered <= 15_000, `back to full after ${now() - recovered} ms`);
    assert.ok(now() - recovered >= FIRST_HOLD_MS);
  });

  test('a step up that fails comes straight back and the next try waits longer, never past MAX_HOLD_MS', () => {
    const { q, feed, now } = run();
    feed(2, [frozen]);
    let upAt = 0;
    const waits: number[] = [];
    let downAt = now();
    for (let i = 0; i < 60; i++) {
      // The link carries the small layer only: every try at full freezes at once.
      const level = q.level;
      feed(1, level === 'full' ? [frozen] : [good]);
      if (level !== 'full' && q.level === 'full') {
        upAt = now();
        waits.push(upAt - downAt);
      }
      if (level === 'full' && q.level === 'small') {
        downAt = now();
        assert.equal(downAt - upAt, 2_000, 'one sample at full, then back');
      }
    }
    assert.ok(waits.length >= 3, `tried ${waits.length} times`);
    assert.ok(waits[1]! > waits[0]!, `the second try waited longer: ${waits}`);
    assert.ok(waits.every((w) => w <= MAX_HOLD_MS + 2_000), `${waits}`);
    assert.notEqual(q.level, 'audio-only', 'failed tries at full never push below small');
  });

  test('one weak video among good ones is its sender’s uplink, not our downlink: no step down', () => {
    const { q, feed } = run();
    feed(5, [good, frozen, good]);
    feed(5, [good, frozen]);
    assert.equal(q.level, 'full');
    feed(2, [frozen, frozen, good]);
    assert.equal(q.level, 'small', 'most of them weak: the downlink');
  });
});
