import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryOneTimeStore } from '../../shared/MemoryOneTimeStore.ts';
import { OneUseTokens } from './OneUseTokens.ts';

describe('OneUseTokens', () => {
  it('gives a value back once, and not after its lifetime', async () => {
    let now = 1_000;
    const store = new MemoryOneTimeStore(() => now);
    const tokens = new OneUseTokens<string>('test', 60_000, store);
    const a = await tokens.issue('a');
    const b = await tokens.issue('b');
    assert.notEqual(a, b);
    assert.equal(await tokens.peek(a), 'a');
    assert.equal(await tokens.take(a), 'a');
    assert.equal(await tokens.take(a), undefined, 'used up');
    now += 60_000;
    assert.equal(await tokens.peek(b), undefined);
    assert.equal(await tokens.take(b), undefined, 'expired');
    assert.equal(await tokens.take('made-up'), undefined);
    // Another kind in the same store does not see them.
    const other = new OneUseTokens<string>('other', 60_000, store);
    const c = await tokens.issue('c');
    assert.equal(await other.take(c), undefined);
    assert.equal(await tokens.take(c), 'c');
  });
});
