// Loads the open job (again whenever the bridge reports it changed) and streams its log through the bridge.
import { useEffect } from 'react';
import type { QueueApi } from '../../runner/types.ts';
import type { Bridge } from '../bridge.ts';
import type { DashboardStore } from '../store/index.ts';
import { errorLine } from '../errors.ts';

export function useJobDetail(api: QueueApi, store: DashboardStore, bridge: Bridge, jobId: string | null, detailVersion: number, attempt: number | null): void {
  useEffect(() => {
    if (!jobId) return;
    let current = true;
    api.getJob(jobId).then(
      (job) => current && store.getState().setDetailJob(jobId, job),
      (error) => current && store.getState().setDetailError(jobId, errorLine(error)),
    );
    return () => {
      current = false;
    };
  }, [api, store, jobId, detailVersion]);

  useEffect(() => {
    if (!jobId) return;
    return bridge.follow(jobId, attempt ?? undefined);
  }, [bridge, jobId, attempt]);
}
