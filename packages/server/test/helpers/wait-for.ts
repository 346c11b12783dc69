/**
 * Poll `probe` until it returns a truthy value, and return that value; fail with `what` in
 * the message once `timeoutMs` has passed. Tests wait for the condition they need instead
 * of sleeping a fixed time, so they neither flake on a slow machine nor idle on a fast one.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, { timeoutMs = 5_000, intervalMs = 10 } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
