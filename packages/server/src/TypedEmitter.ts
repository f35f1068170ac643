/**
 * A small typed event emitter: children report up through typed events (CONVENTIONS §6).
 * Listener errors are caught and reported to `onListenerError`, so one bad listener cannot
 * break the emitter's other listeners or the code that emitted.
 */
export class TypedEmitter<Events extends Record<string, (...args: any[]) => void>> {
  #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();
  onListenerError: (err: unknown) => void = (err) => console.error('event listener failed', err);

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  once<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    const wrapped = ((...args: Parameters<Events[K]>) => {
      this.off(event, wrapped);
      listener(...args);
    }) as Events[K];
    return this.on(event, wrapped);
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.#listeners.get(event)?.delete(listener);
  }

  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
