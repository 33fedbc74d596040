// What the runner last told us: the snapshot, the connection, and version counters that make views reload.
import type { Snapshot } from '../../runner/types.ts';
import type { LegacyStatus } from '../../legacy/types.ts';
import type { SliceCreator } from './index.ts';

export interface LiveSlice {
  snapshot: Snapshot | null;
  /** null until the first answer from the database */
  connected: boolean | null;
  dbError: string | null;
  /** bumped when lists should reload (at most every couple of seconds, by the bridge) */
  jobsVersion: number;
  /** bumped when the open job changed */
  detailVersion: number;
  legacy: LegacyStatus | null;
  legacyError: string | null;
  /** task → the IFDB tables it needs that this database lacks (null until checked, or when nothing checks) */
  ifdbMissing: Record<string, string[]> | null;
  setIfdbMissing(missing: Record<string, string[]>): void;
  setSnapshot(snapshot: Snapshot): void;
  setConnection(connected: boolean, error?: string | null): void;
  bumpVersions(jobs: boolean, detail: boolean): void;
  setLegacy(status: LegacyStatus | null, error?: string | null): void;
}

export const createLiveSlice: SliceCreator<LiveSlice> = (set) => ({
  snapshot: null,
  connected: null,
  dbError: null,
  jobsVersion: 0,
  detailVersion: 0,
  legacy: null,
  legacyError: null,
  ifdbMissing: null,
  setIfdbMissing: (ifdbMissing) => set({ ifdbMissing }),
  setSnapshot: (snapshot) => set({ snapshot, connected: true, dbError: null }),
  setConnection: (connected, error = null) => set({ connected, dbError: connected ? null : error }),
  bumpVersions: (jobs, detail) =>
    set((s) => ({
      jobsVersion: jobs ? s.jobsVersion + 1 : s.jobsVersion,
      detailVersion: detail ? s.detailVersion + 1 : s.detailVersion,
    })),
  setLegacy: (legacy, legacyError = null) => set(legacy ? { legacy, legacyError } : { legacyError }),
});
