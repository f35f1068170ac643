import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { OneTimeStore } from '../ports/OneTimeStore.ts';
import { MemoryOneTimeStore } from './MemoryOneTimeStore.ts';
import { RedisOneTimeStore } from './RedisOneTimeStore.ts';

/*
 * What every one-time store does (ADR 8), against this process's memory and against the Redis
 * that `./amphi test` starts (AMPHI_TEST_REDIS_URL; never skipped, like the PostgreSQL tests).
 * Expiry is tested with the memory store's clock; Redis keeps real time.
 */
let redis: Redis | undefined;
function redisStore(): OneTimeStore {
  const url = process.env.AMPHI_TEST_REDIS_URL;
  if (!url) throw new Error('AMPHI_TEST_REDIS_URL is not set: run these tests through `./amphi test`, which starts a throwaway Redis and sets it');
  redis ??= new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  return new RedisOneTimeStore(redis);
}
after(async () => {
  await redis?.quit();
});
const unique = () => Math.random().toString(36).slice(2);

for (const [name, make] of [['memory', () => new MemoryOneTimeStore()], ['Redis', redisStore]] as const) {
  describe(`one-time store: ${name}`, () => {
    test('taken once; peeked as often as wanted; kinds apart; a copy comes back', async () => {
      const store = make();
      const kind = `k-${unique()}`;
      const value = { list: [1, 2] };
      assert.equal(await store.put(kind, 'key', value, 60_000), true);
      value.list.push(3);
      assert.deepEqual(await store.peek(kind, 'key'), { list: [1, 2] });
      assert.equal(await store.peek(`${kind}-other`, 'key'), undefined);
      assert.deepEqual(await store.take(kind, 'key'), { list: [1, 2] });
      assert.equal(await store.take(kind, 'key'), undefined, 'used up');
      assert.equal(await store.take(kind, 'never-put'), undefined);
    });

    test('put keeps the first value while it lives: a replay cache', async () => {
      const store = make();
      const kind = `k-${unique()}`;
      assert.equal(await store.put(kind, 'assertion-1', true, 60_000), true);
      assert.equal(await store.put(kind, 'assertion-1', true, 60_000), false);
      assert.equal(await store.put(kind, 'assertion-2', true, 60_000), true);
    });

    test('of many takes at once of one key, one gets it', async () => {
      const store = make();
      const kind = `k-${unique()}`;
      await store.put(kind, 'state', 'login', 60_000);
      const got = await Promise.all(Array.from({ length: 20 }, () => store.take(kind, 'state')));
      assert.deepEqual(got.filter((g) => g !== undefined), ['login']);
    });
  });
}

test('Redis: a value is gone after its lifetime', async () => {
  const store = redisStore();
  const kind = `k-${unique()}`;
  await store.put(kind, 'short', 'x', 50);
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(await store.take(kind, 'short'), undefined);
});

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
