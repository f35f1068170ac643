/**
 * A fixed-window counter per key (an IP address, an email): at most `limit` hits per window.
 * In memory, so per node; scale-out moves it to the shared store.
 */
export class RateLimiter {
  readonly #hits = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a hit (of `cost` units); returns false when the key is over its limit. */
  hit(key: string, cost = 1): boolean {
    const t = this.now();
    let entry = this.#hits.get(key);
    if (!entry || entry.resetAt <= t) {
      if (this.#hits.size > 10_000) this.#sweep(t);
      entry = { count: 0, resetAt: t + this.windowMs };
      this.#hits.set(key, entry);
    }
    entry.count += cost;
    return entry.count <= this.limit;
  }

  /** How many units the key has used in its current window (0 when none). */
  count(key: string): number {
    const entry = this.#hits.get(key);
    return entry && entry.resetAt > this.now() ? entry.count : 0;
  }

  #sweep(t: number): void {
    for (const [key, entry] of this.#hits) if (entry.resetAt <= t) this.#hits.delete(key);
  }
}
