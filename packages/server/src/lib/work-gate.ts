/**
 * A cap on how much of one kind of work runs at once, with a bounded line behind it.
 *
 * Checking a Basic secret runs scrypt on libuv's thread pool for tens of milliseconds, and
 * anyone can ask for one by sending a wrong secret. Unbounded, a stream of wrong secrets
 * would hold all four threads of the pool, and every ES256 signature (which runs there
 * too) would wait behind it. The gate keeps such work to a few threads, and refuses at
 * once what would wait too long, so that it costs the refused caller, not everyone else.
 */
export class WorkGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * @param concurrency how many run at once
   * @param queueLimit how many may wait for a turn; beyond that {@link run} refuses
   */
  constructor(
    private readonly concurrency: number,
    private readonly queueLimit: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('WorkGate: concurrency must be a positive integer');
    if (!Number.isInteger(queueLimit) || queueLimit < 0) throw new RangeError('WorkGate: queueLimit must be a non-negative integer');
  }

  /** Run `work` when a turn is free. `undefined`, and nothing run, when the line is full. */
  run<T>(work: () => Promise<T>): Promise<T> | undefined {
    if (this.running < this.concurrency) return this.start(work);
    if (this.waiting.length >= this.queueLimit) return undefined;
    return new Promise<void>((turn) => this.waiting.push(turn)).then(() => this.start(work));
  }

  private async start<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      // The freed turn goes to the first in line, who counts itself in when it starts.
      this.waiting.shift()?.();
    }
  }
}
