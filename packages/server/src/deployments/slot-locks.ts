/**
 * Runs tasks one at a time per key, in arrival order. Deploys and rollbacks of one model in one
 * zone and environment queue here so that, within a process, each sees the previous one's result
 * instead of racing it; across processes the transaction's own re-check and row lock decide.
 */
export class SlotLocks {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.then(task); // tails never reject: one failure does not stop the queue
    const tail = current.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
