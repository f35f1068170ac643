import type { OneTimeStore } from '../ports/OneTimeStore.ts';

/** A bound on memory per kind: a flood of unfinished attempts evicts the oldest, never grows without end. */
const MAX_PER_KIND = 50_000;
const SWEEP_EVERY = 1_024;

/** The one-time store of a single Amphi process (the embedded default). */
export class MemoryOneTimeStore implements OneTimeStore {
  readonly #kinds = new Map<string, Map<string, { value: string; expiresAt: number }>>();
  #puts = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async put(kind: string, key: string, value: unknown, ttlMs: number): Promise<boolean> {
    const t = this.now();
    let entries = this.#kinds.get(kind);
    if (!entries) this.#kinds.set(kind, (entries = new Map()));
    const held = entries.get(key);
    if (held && held.expiresAt > t) return false;
    // Expired entries go now and then (each take and peek checks the time anyway): a put stays cheap under a flood.
    if (++this.#puts % SWEEP_EVERY === 0) for (const [k, entry] of entries) if (entry.expiresAt <= t) entries.delete(k);
    while (entries.size >= MAX_PER_KIND) entries.delete(entries.keys().next().value!);
    // Kept as JSON, as a shared store keeps it: what is taken back is a copy, never the caller's object.
    entries.set(key, { value: JSON.stringify(value ?? null), expiresAt: t + ttlMs });
    return true;
  }

  async take(kind: string, key: string): Promise<unknown> {
    const entries = this.#kinds.get(kind);
    const entry = entries?.get(key);
    if (!entry) return undefined;
    entries!.delete(key);
    return entry.expiresAt > this.now() ? JSON.parse(entry.value) : undefined;
  }

  async peek(kind: string, key: string): Promise<unknown> {
    const entry = this.#kinds.get(kind)?.get(key);
    return entry && entry.expiresAt > this.now() ? JSON.parse(entry.value) : undefined;
  }
}
