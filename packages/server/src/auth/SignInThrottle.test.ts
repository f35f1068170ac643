import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FREE_WRONG_PASSWORDS, MAX_WAIT_MS, SignInThrottle, WRONG_PER_ACCOUNT } from './SignInThrottle.ts';

function setup() {
  let t = 1_000_000;
  const throttle = new SignInThrottle(() => t);
  return { throttle, tick: (ms: number) => (t += ms) };
}

describe('SignInThrottle', () => {
  test('five wrong passwords are free; then each try waits longer, at most 30 s; the right one clears it', () => {
    const { throttle, tick } = setup();
    for (let i = 0; i < FREE_WRONG_PASSWORDS; i++) {
      assert.equal(throttle.waitMs('ada', '203.0.113.9'), 0);
      throttle.wrong('ada', '203.0.113.9');
    }
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const wait = throttle.waitMs('ada', '203.0.113.9');
      waits.push(wait);
      tick(wait);
      throttle.wrong('ada', '203.0.113.9');
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    assert.equal(throttle.waitMs('ada', '198.51.100.7'), 0, 'another address is not slowed down');
    assert.equal(throttle.waitMs('grace', '203.0.113.9'), 0, 'nor another account');
    throttle.succeeded('ada', '203.0.113.9');
    assert.equal(throttle.waitMs('ada', '203.0.113.9'), 0);
  });

  test('an account under attack from many addresses: those that were wrong wait 30 s; its owner at a fresh address does not', () => {
    const { throttle } = setup();
    for (let i = 0; i < WRONG_PER_ACCOUNT; i++) throttle.wrong('ada', `10.0.0.${i}`);
    assert.equal(throttle.waitMs('ada', '10.0.0.1'), MAX_WAIT_MS);
    assert.equal(throttle.waitMs('ada', '192.0.2.1'), 0, 'the owner is never locked out');
  });

  test('failures are forgotten 15 minutes after the last one', () => {
    const { throttle, tick } = setup();
    for (let i = 0; i < 10; i++) throttle.wrong('ada', '203.0.113.9');
    assert.ok(throttle.waitMs('ada', '203.0.113.9') > 0);
    tick(15 * 60_000 + 1);
    assert.equal(throttle.waitMs('ada', '203.0.113.9'), 0);
  });
});
