/**
 * Signaling connections that have not joined a meeting yet, counted per address: a client may
 * hold only so many at once (people join within a second of connecting; a crowd behind one
 * campus NAT connects over minutes), so nobody pins the server's memory with idle sockets.
 */
export class UnjoinedSockets {
  readonly #count = new Map<string, number>();

  constructor(private readonly perAddress: number) {}

  /** Counts one more for `address`; undefined when it already holds its share. The function releases it (once). */
  take(address: string): (() => void) | undefined {
    const n = this.#count.get(address) ?? 0;
    if (n >= this.perAddress) return undefined;
    this.#count.set(address, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#count.get(address) ?? 1) - 1;
      if (left <= 0) this.#count.delete(address);
      else this.#count.set(address, left);
    };
  }
}
