import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryOneTimeStore } from './MemoryOneTimeStore.ts';

test('a value is taken once, peeked any number of times, and gone after its time', async () => {
  let now = 0;
  const store = new MemoryOneTimeStore(() => now);
  assert.equal(await store.put('login', 'k', { a: 1 }, 1_000), true);
  assert.deepEqual(await store.peek('login', 'k'), { a: 1 });
  assert.deepEqual(await store.take('login', 'k'), { a: 1 });
  assert.equal(await store.take('login', 'k'), undefined, 'used up');
  await store.put('login', 'late', 'x', 1_000);
  now = 1_000;
  assert.equal(await store.peek('login', 'late'), undefined);
  assert.equal(await store.take('login', 'late'), undefined, 'expired');
});

test('put keeps the first value while it lives (a replay cache), then takes a new one', async () => {
  let now = 0;
  const store = new MemoryOneTimeStore(() => now);
  assert.equal(await store.put('assertion', 'id-1', true, 500), true);
  assert.equal(await store.put('assertion', 'id-1', true, 500), false, 'seen already');
  now = 500;
  assert.equal(await store.put('assertion', 'id-1', true, 500), true, 'forgotten once expired');
});

test('kinds are apart, and what comes back is a copy (as from a shared store)', async () => {
  const store = new MemoryOneTimeStore();
  const value = { list: [1, 2] };
  await store.put('a', 'same', value, 1_000);
  await store.put('b', 'same', 'other', 1_000);
  value.list.push(3);
  assert.deepEqual(await store.take('a', 'same'), { list: [1, 2] });
  assert.equal(await store.take('b', 'same'), 'other');
});

test('a flood of puts keeps memory bounded: the oldest go first', async () => {
  const store = new MemoryOneTimeStore();
  for (let i = 0; i < 50_010; i++) await store.put('flood', `k${i}`, i, 60_000);
  assert.equal(await store.peek('flood', 'k0'), undefined);
  assert.equal(await store.peek('flood', 'k50009'), 50009);
});
