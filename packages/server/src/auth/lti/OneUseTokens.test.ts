import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OneUseTokens } from './OneUseTokens.ts';

describe('OneUseTokens', () => {
  it('gives a value back once, and not after its lifetime', () => {
    let now = 1_000;
    const tokens = new OneUseTokens<string>(60_000, () => now);
    const a = tokens.issue('a');
    const b = tokens.issue('b');
    assert.notEqual(a, b);
    assert.equal(tokens.peek(a), 'a');
    assert.equal(tokens.take(a), 'a');
    assert.equal(tokens.take(a), undefined, 'used up');
    now += 60_000;
    assert.equal(tokens.peek(b), undefined);
    assert.equal(tokens.take(b), undefined, 'expired');
    assert.equal(tokens.take('made-up'), undefined);
  });
});
