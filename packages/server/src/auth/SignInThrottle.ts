/** Wrong passwords one address may give for one account before its tries are spaced out. */
export const FREE_WRONG_PASSWORDS = 5;
/** The spacing after that: 1 s, doubling with each wrong one, at most this. */
export const MAX_WAIT_MS = 30_000;
/** Wrong passwords an account takes from all addresses before only fresh addresses may try. */
export const WRONG_PER_ACCOUNT = 50;
/** Failures are forgotten this long after the last one. */
const WINDOW_MS = 15 * 60_000;

interface Failures {
  count: number;
  last: number;
}

/**
 * Password guessing is slowed down, never turned into a lock-out of the account's owner. Per
 * account and address, after FREE_WRONG_PASSWORDS wrong passwords each further try waits longer
 * (1 s, 2 s, 4 s… at most 30 s); a right password clears it. Once an account has taken
 * WRONG_PER_ACCOUNT wrong passwords from everywhere, an address that already gave a wrong one
 * waits the longest, while an address that gave none (its owner at their desk) may still try at
 * once. Only wrong passwords count: signing in many times with the right one costs nothing.
 */
export class SignInThrottle {
  readonly #byAccountAndAddress = new Map<string, Failures>();
  readonly #byAccount = new Map<string, Failures>();

  constructor(private readonly now: () => number = Date.now) {}

  /** How long this address must wait before trying this account's password again (0: now). */
  waitMs(account: string, address: string): number {
    const t = this.now();
    const mine = this.#current(this.#byAccountAndAddress, key(account, address), t);
    if (!mine) return 0;
    const all = this.#current(this.#byAccount, account, t);
    const wait = all && all.count >= WRONG_PER_ACCOUNT ? MAX_WAIT_MS : mine.count < FREE_WRONG_PASSWORDS ? 0 : Math.min(MAX_WAIT_MS, 1_000 * 2 ** (mine.count - FREE_WRONG_PASSWORDS));
    return Math.max(0, mine.last + wait - t);
  }

  wrong(account: string, address: string): void {
    const t = this.now();
    for (const [map, k] of [[this.#byAccountAndAddress, key(account, address)], [this.#byAccount, account]] as const) {
      const f = this.#current(map, k, t) ?? { count: 0, last: t };
      map.set(k, { count: f.count + 1, last: t });
    }
    if (this.#byAccountAndAddress.size > 10_000) this.#sweep(t);
  }

  /** The right password from this address: its failures for this account are forgotten. */
  succeeded(account: string, address: string): void {
    this.#byAccountAndAddress.delete(key(account, address));
  }

  #current(map: Map<string, Failures>, k: string, t: number): Failures | undefined {
    const f = map.get(k);
    if (f && t - f.last > WINDOW_MS) {
      map.delete(k);
      return undefined;
    }
    return f;
  }

  #sweep(t: number): void {
    for (const map of [this.#byAccountAndAddress, this.#byAccount]) for (const [k, f] of map) if (t - f.last > WINDOW_MS) map.delete(k);
  }
}

function key(account: string, address: string): string {
  return `${account}\n${address}`;
}
