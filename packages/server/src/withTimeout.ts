/**
 * Rejects if the promise has not settled within ms: a dead Janus must not hang a request
 * forever. `timeoutError` builds what the caller rejects with (a plain Error naming `what` by default).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, timeoutError: () => Error = () => new Error(`${what}: no answer within ${ms} ms`)): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
