/**
 * Which holder (a nonce scope, a client's sessions) holds the most entries, in O(1) per
 * change. The bounded memory stores evict from the largest holder when they are full, so
 * that whoever floods a store pays for it, not the parties beside it.
 */
export class LargestHolder<T> {
  /** Holders by the number of entries they hold. */
  private readonly bySize = new Map<number, Set<T>>();
  private max = 0;

  /** Record that `holder` went from `before` to `after` entries (0 means absent). */
  update(holder: T, before: number, after: number): void {
    if (before === after) return;
    if (before > 0) {
      const bucket = this.bySize.get(before);
      bucket?.delete(holder);
      if (bucket?.size === 0) this.bySize.delete(before);
    }
    if (after > 0) {
      let bucket = this.bySize.get(after);
      if (bucket === undefined) {
        bucket = new Set();
        this.bySize.set(after, bucket);
      }
      bucket.add(holder);
      if (after > this.max) this.max = after;
    }
    while (this.max > 0 && !this.bySize.has(this.max)) this.max -= 1;
  }

  /** The most entries any holder holds (0 when none). */
  get largestSize(): number {
    return this.max;
  }

  /** One of the holders with the most entries, or `undefined` when there is none. */
  largest(): T | undefined {
    const bucket = this.bySize.get(this.max);
    if (bucket === undefined) return undefined;
    for (const holder of bucket) return holder;
    return undefined;
  }

  clear(): void {
    this.bySize.clear();
    this.max = 0;
  }
}
