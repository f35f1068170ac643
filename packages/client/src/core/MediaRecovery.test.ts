import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ICE_RESTART_WAIT_MS, MediaRecovery, type MediaHealth } from './MediaRecovery.ts';
import type { ConnectionState } from './Reconnection.ts';
import { FakeClock } from './testing/FakeClock.ts';

/** Media that the test breaks and mends; every try the recovery makes is noted with its time. */
function setup(options: { giveUpAfterMs?: number } = {}) {
  const clock = new FakeClock();
  const media = { health: 'up' as MediaHealth, signaling: true, calls: [] as string[] };
  /** What a call does to the media, if anything (set by the test). */
  const effects: { restartIce?: () => void; rebuild?: () => void } = {};
  const states: ConnectionState[] = [];
  const recovery = new MediaRecovery({
    signalingUp: () => media.signaling,
    health: () => media.health,
    restartIce: async () => {
      media.calls.push(`ice-restart@${clock.now()}`);
      effects.restartIce?.();
    },
    rebuild: async () => {
      media.calls.push(`rebuild@${clock.now()}`);
      effects.rebuild?.();
    },
    onChange: (s) => states.push(s),
    clock,
    random: () => 1,
    ...options,
  });
  return { clock, media, effects, states, recovery };
}

describe('MediaRecovery', () => {
  test('a failed connection: an ICE restart first; media back within the try → connected, nothing rebuilt', async () => {
    const { clock, media, effects, states, recovery } = setup();
    media.health = 'failed';
    effects.restartIce = () => void clock.setTimeout(() => (media.health = 'up'), 1_500);
    recovery.trouble('failed');
    assert.deepEqual(recovery.state, { kind: 'reconnecting', attempt: 1, since: 0 });
    await clock.advance(300 + 1_500 + 250);
    assert.deepEqual(recovery.state, { kind: 'connected' });
    assert.deepEqual(media.calls, ['ice-restart@300']);
    assert.deepEqual(states.map((s) => s.kind), ['reconnecting', 'connected']);
    assert.equal(clock.pending, 0);
  });

  test('an ICE restart that does not help in time: media built anew, then again until it is up', async () => {
    const { clock, media, effects, recovery } = setup();
    media.health = 'failed';
    let rebuilds = 0;
    effects.rebuild = () => {
      media.health = 'pending';
      // The second rebuild works.
      if (++rebuilds === 2) clock.setTimeout(() => (media.health = 'up'), 1_000);
    };
    recovery.trouble('failed');
    await clock.advance(300 + ICE_RESTART_WAIT_MS);
    assert.deepEqual(media.calls, ['ice-restart@300']);
    assert.deepEqual(recovery.state, { kind: 'reconnecting', attempt: 2, since: 0 });
    await clock.advance(600 + ICE_RESTART_WAIT_MS);
    assert.equal(media.calls.length, 2);
    assert.match(media.calls[1]!, /^rebuild@/);
    await clock.advance(1_200 + 1_250);
    assert.equal(media.calls.length, 3);
    assert.deepEqual(recovery.state, { kind: 'connected' });
  });

  test('the media server restarted (a reset): the reset publishes again by itself; the try only waits for it', async () => {
    const { clock, media, recovery } = setup();
    media.health = 'pending';
    recovery.trouble('reset');
    clock.setTimeout(() => (media.health = 'up'), 900);
    await clock.advance(300 + 900);
    assert.deepEqual(recovery.state, { kind: 'connected' });
    assert.deepEqual(media.calls, [], 'no ICE restart, no rebuild');
  });

  test('already back when the first try comes: connected at once', async () => {
    const { clock, media, recovery } = setup();
    recovery.trouble('reset');
    media.health = 'up';
    await clock.advance(300);
    assert.deepEqual(recovery.state, { kind: 'connected' });
    assert.deepEqual(media.calls, []);
  });

  test('trouble while a try runs (the reset that answers a rebuild) is part of that try', async () => {
    const { clock, media, recovery } = setup();
    media.health = 'failed';
    recovery.trouble('failed');
    await clock.advance(300);
    recovery.trouble('reset');
    assert.deepEqual(recovery.state, { kind: 'reconnecting', attempt: 1, since: 0 });
    assert.deepEqual(media.calls, ['ice-restart@300']);
  });

  test('while signaling is down nothing is tried; once it is back, the next try runs', async () => {
    const { clock, media, effects, recovery } = setup();
    media.health = 'failed';
    media.signaling = false;
    effects.restartIce = () => (media.health = 'up');
    recovery.trouble('failed');
    await clock.advance(300 + 600);
    assert.deepEqual(media.calls, []);
    assert.equal(recovery.state.kind, 'reconnecting');
    media.signaling = true;
    await clock.advance(1_200 + 250);
    assert.deepEqual(media.calls, ['ice-restart@2100'], 'the first real try is the ICE restart');
    assert.deepEqual(recovery.state, { kind: 'connected' });
  });

  test('gives up past its time (the person is told), and a later trouble starts again from attempt 1', async () => {
    const { clock, media, recovery } = setup({ giveUpAfterMs: 30_000 });
    media.health = 'failed';
    recovery.trouble('failed');
    await clock.advance(120_000);
    assert.deepEqual(recovery.state, { kind: 'gave-up', reason: 'resume.expired' });
    assert.equal(clock.pending, 0);
    recovery.trouble('reset');
    assert.deepEqual(recovery.state, { kind: 'reconnecting', attempt: 1, since: 120_000 });
    recovery.stop();
    assert.equal(recovery.state.kind, 'gave-up');
  });
});
