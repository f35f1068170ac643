import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay, BACKOFF, Reconnection, type AttemptResult, type ConnectionState } from './Reconnection.ts';
import { FakeClock, settle } from './testing/FakeClock.ts';

function setup(results: (AttemptResult | Promise<AttemptResult>)[], giveUpAfterMs = 60_000) {
  const clock = new FakeClock();
  const states: ConnectionState[] = [];
  const attempts: { id: number; at: number }[] = [];
  const r = new Reconnection({
    attempt: async (id) => {
      attempts.push({ id, at: clock.now() });
      return results.shift() ?? 'retry';
    },
    giveUpAfterMs: () => giveUpAfterMs,
    onChange: (s) => states.push(s),
    clock,
    random: () => 1,
  });
  return { clock, states, attempts, r };
}

describe('Reconnection', () => {
  test('backoff: grows from 300 ms by doubling to at most 5 s, with jitter between half and all of it', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, () => 1)), [300, 600, 1200, 2400, 4800, 5000, 5000]);
    assert.equal(backoffDelay(1, () => 0), 150);
    assert.equal(backoffDelay(20, () => 0), BACKOFF.maxMs / 2);
    // 300 clients of a restarted server spread over their first window instead of one instant.
    const firsts = new Set(Array.from({ length: 300 }, () => backoffDelay(1)));
    assert.ok(firsts.size > 50, `only ${firsts.size} distinct first delays`);
  });

  test('lost → reconnecting(1) → retry → reconnecting(2) → resumed → connected', async () => {
    const { clock, states, attempts, r } = setup(['retry', 'resumed']);
    r.lost();
    assert.deepEqual(r.state, { kind: 'reconnecting', attempt: 1, since: 0 });
    assert.equal(attempts.length, 0, 'the first try waits its backoff');
    await clock.advance(300);
    assert.deepEqual(attempts.map((a) => a.at), [300]);
    assert.deepEqual(r.state, { kind: 'reconnecting', attempt: 2, since: 0 });
    await clock.advance(600);
    assert.deepEqual(attempts.map((a) => a.at), [300, 900]);
    assert.deepEqual(r.state, { kind: 'connected' });
    assert.deepEqual(states.map((s) => s.kind), ['reconnecting', 'reconnecting', 'connected']);
    assert.equal(clock.pending, 0, 'no try left scheduled');
  });

  test('a fatal answer gives up at once with its reason', async () => {
    const { clock, r } = setup([{ fatal: 'resume.invalid' }]);
    r.lost();
    await clock.advance(300);
    assert.deepEqual(r.state, { kind: 'gave-up', reason: 'resume.invalid' });
    assert.equal(clock.pending, 0);
  });

  test('gives up once the grace period is over', async () => {
    const { clock, r, attempts } = setup([], 10_000);
    r.lost();
    await clock.advance(60_000);
    assert.deepEqual(r.state, { kind: 'gave-up', reason: 'resume.expired' });
    assert.ok(attempts.length >= 4 && attempts.length <= 8, `${attempts.length} attempts in 10 s`);
    assert.ok(attempts.at(-1)!.at >= 10_000 - 5_000);
  });

  test('lost() while already reconnecting starts nothing new', async () => {
    const { clock, r, attempts } = setup(['resumed']);
    r.lost();
    r.lost();
    await clock.advance(300);
    assert.equal(attempts.length, 1);
  });

  test('a late answer from an attempt that stop() abandoned is dropped', async () => {
    let answer!: (r: AttemptResult) => void;
    const { clock, r } = setup([new Promise<AttemptResult>((resolve) => (answer = resolve))]);
    r.lost();
    await clock.advance(300);
    r.stop('left');
    assert.deepEqual(r.state, { kind: 'gave-up', reason: 'left' });
    answer('resumed');
    await settle();
    assert.deepEqual(r.state, { kind: 'gave-up', reason: 'left' }, 'the abandoned attempt did not bring the connection back');
  });

  test('after a resume, the next loss starts again from attempt 1', async () => {
    const { clock, r, attempts } = setup(['resumed', 'resumed']);
    r.lost();
    await clock.advance(300);
    clock.t = 100_000;
    r.lost();
    assert.deepEqual(r.state, { kind: 'reconnecting', attempt: 1, since: 100_000 });
    await clock.advance(300);
    assert.deepEqual(r.state, { kind: 'connected' });
    assert.equal(new Set(attempts.map((a) => a.id)).size, 2, 'each attempt has its own id');
  });
});
