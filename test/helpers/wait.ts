// Bounded polling for tests: waits for a condition, never a fixed sleep used as an assertion.

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Polls until fn returns a truthy value; fails with the message (and the last value or error) when the time is up. */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await fn();
      if (last) return last as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${(lastError as Error).message})` : ` (last value: ${JSON.stringify(last)})`;
      throw new Error(`timed out waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
