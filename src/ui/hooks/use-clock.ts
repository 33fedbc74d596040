// The current time for relative ages, ticking only as often as the screen needs (0 = never).
import { useEffect, useState } from 'react';

/** Ages in lists ("4m", "in 3h 12m", "seen 20s") move on this often; each tick costs a frame, so not faster. */
export const RELATIVE_TIME_TICK_MS = 30_000;

export function useClock(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (intervalMs <= 0) return;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
