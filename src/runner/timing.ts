// Liveness and housekeeping intervals when none are given (#11: a crash is noticed within seconds).
// A module of its own so that the CLI can read them without loading the runner.
export const DEFAULT_TIMING = { heartbeatSeconds: 5, livenessCheckMs: 2000, minLockGraceSeconds: 10, housekeepingSeconds: 30 } as const;
