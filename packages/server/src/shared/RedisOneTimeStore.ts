import type { Redis } from 'ioredis';
import type { OneTimeStore } from '../ports/OneTimeStore.ts';

/**
 * The one-time store that several Amphi nodes share (ADR 8): each secret is a Redis key with its
 * lifetime (`SET … PX … NX`), taken with `GETDEL` (Redis ≥ 6.2: atomic, so of two nodes taking
 * the same state, one gets it) and read with `GET`. Keys: `amphi:once:<kind>:<key>`.
 */
export class RedisOneTimeStore implements OneTimeStore {
  constructor(private readonly redis: Redis) {}

  #key(kind: string, key: string): string {
    return `amphi:once:${kind}:${key}`;
  }

  async put(kind: string, key: string, value: unknown, ttlMs: number): Promise<boolean> {
    const done = await this.redis.set(this.#key(kind, key), JSON.stringify(value ?? null), 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    return done === 'OK';
  }

  async take(kind: string, key: string): Promise<unknown> {
    const raw = await this.redis.getdel(this.#key(kind, key));
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }

  async peek(kind: string, key: string): Promise<unknown> {
    const raw = await this.redis.get(this.#key(kind, key));
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }
}
