// The current time for relative ages, ticking only as often as the screen needs (0 = never).
import { useEffect, useState } from 'react';

/** Ages in lists ("4m", "in 3h 12m", "seen 20s") move on this often; each tick costs a frame, so not faster. */
export const RELATIVE_TIME_TICK_MS = 30_000;

export function useClock(intervalMs: number): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (intervalMs <= 0) return;
    const timer = setInterval(() => setTick((n) => n + 1), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  // The time of this render, not of the last tick: a frame drawn for new data (a job that just finished)
  // would otherwise measure it against a clock up to one tick old and call it future.
  return Date.now();
}
