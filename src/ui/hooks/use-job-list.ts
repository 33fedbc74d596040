// Loads the job list screen's rows: the first keyset page when the query changes, a reload when the bridge
// says jobs changed, and the next page when the selection nears the end of what is loaded.
import { useEffect } from 'react';
import type { QueueApi, JobFilter } from '../../runner/types.ts';
import type { DashboardStore } from '../store/index.ts';
import type { JobListState } from '../store/jobs-slice.ts';
import { errorLine } from '../errors.ts';

export const PAGE_SIZE = 100;
/** past this many loaded rows a reload would cost too much; the list then refreshes on g/G or a new query */
export const MAX_RELOAD_ROWS = 500;
const PREFETCH_MARGIN = 20;

function filterOf(list: JobListState): JobFilter {
  return { task: list.task, state: list.tab, ...(list.filter ? { search: list.filter } : {}) };
}

async function load(api: QueueApi, store: DashboardStore, list: JobListState, limit: number, after: string | null): Promise<void> {
  const key = list.key;
  store.getState().setJobsLoading(key);
  try {
    const page = await api.listJobs(filterOf(list), { limit, after });
    store.getState().setJobRows(key, page.jobs, page.next, after !== null);
  } catch (error) {
    store.getState().setJobsError(key, errorLine(error));
  }
}

async function loadTotal(api: QueueApi, store: DashboardStore, list: JobListState): Promise<void> {
  if (!list.filter) return store.getState().setJobTotal(list.key, null);
  try {
    store.getState().setJobTotal(list.key, await api.countJobs(filterOf(list)));
  } catch {
    // the list shows the error; the total stays as it was
  }
}

export function useJobList(api: QueueApi, store: DashboardStore, active: boolean, key: string, jobsVersion: number, index: number): void {
  useEffect(() => {
    if (!active) return;
    const list = store.getState().jobList;
    void load(api, store, list, PAGE_SIZE, null);
    void loadTotal(api, store, list);
  }, [api, store, active, key]);

  useEffect(() => {
    if (!active || jobsVersion === 0) return;
    const list = store.getState().jobList;
    if (list.rows.length > MAX_RELOAD_ROWS) return;
    void load(api, store, list, Math.max(PAGE_SIZE, list.rows.length), null);
    void loadTotal(api, store, list);
  }, [api, store, active, jobsVersion]);

  useEffect(() => {
    if (!active) return;
    const list = store.getState().jobList;
    if (list.next && !list.loading && index >= list.rows.length - PREFETCH_MARGIN) void load(api, store, list, PAGE_SIZE, list.next);
  }, [api, store, active, index]);
}
