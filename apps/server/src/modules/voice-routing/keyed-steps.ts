/**
 * Steps run one at a time per key, in the order they were asked for, and keys side by
 * side: a call's own telephony events and routing notices keep their order while other
 * calls go on (one slow ARI request or query holds its own call only). A barrier step
 * (`runAlone`) waits for every step asked for before it and holds back every step asked
 * for after it, e.g. adopting the calls a restarted node finds in the database.
 */
export class KeyedSteps {
  private readonly tails = new Map<string, Promise<void>>();
  private barrier: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown, what: string) => void) {}

  /** Runs `step` after the key's earlier steps (and any barrier asked for before it); never rejects. */
  run(key: string, step: () => Promise<void>, what: string): Promise<void> {
    const previous = this.tails.get(key);
    const start = previous ? Promise.all([previous, this.barrier]) : this.barrier;
    const tail = start.then(step).catch((error: unknown) => this.onError(error, what));
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return tail;
  }

  /** Runs `step` once every step asked for so far is done; steps asked for meanwhile wait for it. */
  runAlone(step: () => Promise<void>, what: string): Promise<void> {
    const before = Promise.all([...this.tails.values(), this.barrier]);
    const done = before.then(step).catch((error: unknown) => this.onError(error, what));
    this.barrier = done;
    return done;
  }

  /** Keys with steps queued or running (for tests and diagnostics). */
  get activeKeys(): number {
    return this.tails.size;
  }
}
